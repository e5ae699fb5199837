import { describe, expect, it } from "vitest";
import { LocalIndex } from "../../../src/delivery/local-index.js";
import type { Message } from "../../../src/delivery/types.js";
import { testMessage } from "../../helpers/message.js";

function finalMessage(id: string, attempts: { carrier: string; ids: (string | null)[] }[]): Message {
  return testMessage(id, {
    state: "delivered",
    attempts: attempts.map((a, i) => ({
      n: i + 1,
      channel: "sms",
      carrier: a.carrier,
      startedAt: 0,
      dlrDeadline: 1,
      carrierMessageIds: a.ids,
      partStatus: a.ids.map(() => "delivered" as const),
    })),
  });
}

describe("LocalIndex", () => {
  it("finds a carrier message id per carrier, and forgets every id of a final message", () => {
    const index = new LocalIndex();
    index.correlate("tsel", "42", { messageId: "a", attempt: 1, part: 0 });
    index.correlate("isat", "42", { messageId: "b", attempt: 1, part: 0 });
    index.correlate("isat", "43", { messageId: "a", attempt: 2, part: 0 });
    index.setText("a", "code");
    expect(index.target("tsel", "42")).toEqual({ messageId: "a", attempt: 1, part: 0 });
    expect(index.target("isat", "42")?.messageId).toBe("b");
    expect(index.target("xl", "42")).toBeUndefined();
    expect(index.size).toBe(4);
    index.forget(
      finalMessage("a", [
        { carrier: "tsel", ids: ["42"] },
        { carrier: "isat", ids: ["43", null] },
      ]),
    );
    expect(index.target("tsel", "42")).toBeUndefined();
    expect(index.target("isat", "43")).toBeUndefined();
    expect(index.target("isat", "42")?.messageId).toBe("b");
    expect(index.text("a")).toBeUndefined();
    expect(index.size).toBe(1);
  });

  it("counts a repeated id once and stays within its bound, dropping the oldest first", () => {
    const index = new LocalIndex(3);
    index.correlate("tsel", "1", { messageId: "a", attempt: 1, part: 0 });
    index.correlate("tsel", "1", { messageId: "a", attempt: 1, part: 0 });
    expect(index.size).toBe(1);
    index.correlate("tsel", "2", { messageId: "b", attempt: 1, part: 0 });
    index.correlate("isat", "3", { messageId: "c", attempt: 1, part: 0 });
    index.correlate("tsel", "4", { messageId: "d", attempt: 1, part: 0 });
    expect(index.size).toBe(3);
    expect(index.target("tsel", "1")).toBeUndefined();
    expect(index.target("tsel", "4")?.messageId).toBe("d");
    index.setText("e", "x");
    expect(index.size).toBe(3);
  });

  it("keeps an entry for one to two generations, then lets it go (a message made final on another instance)", () => {
    let now = 0;
    const index = new LocalIndex(1000, 60_000, () => now);
    index.correlate("tsel", "1", { messageId: "a", attempt: 1, part: 0 });
    index.setText("a", "x");
    now = 59_999;
    index.correlate("tsel", "2", { messageId: "b", attempt: 1, part: 0 });
    now = 60_000; // a new generation: "1", "2" and the text are in the older one, still found
    index.correlate("tsel", "3", { messageId: "c", attempt: 1, part: 0 });
    expect(index.target("tsel", "1")?.messageId).toBe("a");
    expect(index.text("a")).toBe("x");
    expect(index.size).toBe(4);
    now = 120_000; // the generation holding "1" and "2" is dropped whole; "3" is now the older one
    index.correlate("tsel", "4", { messageId: "d", attempt: 1, part: 0 });
    expect(index.target("tsel", "1")).toBeUndefined();
    expect(index.target("tsel", "2")).toBeUndefined();
    expect(index.text("a")).toBeUndefined();
    expect(index.target("tsel", "3")?.messageId).toBe("c");
    expect(index.size).toBe(2);
    // Forgetting reaches both generations.
    index.forget(finalMessage("c", [{ carrier: "tsel", ids: ["3"] }]));
    expect(index.target("tsel", "3")).toBeUndefined();
    expect(index.size).toBe(1);
    // Nothing written for two generations: the next write finds everything before it too old.
    now = 250_000;
    index.setText("e", "y");
    expect(index.target("tsel", "4")).toBeUndefined();
    expect(index.size).toBe(1);
  });

  it("drops the older generation's entries first when the bound is reached", () => {
    let now = 0;
    const index = new LocalIndex(3, 60_000, () => now);
    index.correlate("tsel", "1", { messageId: "a", attempt: 1, part: 0 });
    index.correlate("tsel", "2", { messageId: "b", attempt: 1, part: 0 });
    now = 60_000;
    index.correlate("tsel", "3", { messageId: "c", attempt: 1, part: 0 });
    index.correlate("tsel", "4", { messageId: "d", attempt: 1, part: 0 });
    expect(index.size).toBe(3);
    expect(index.target("tsel", "1")).toBeUndefined();
    expect(index.target("tsel", "2")?.messageId).toBe("b");
    index.correlate("tsel", "5", { messageId: "e", attempt: 1, part: 0 });
    expect(index.target("tsel", "2")).toBeUndefined();
    expect(index.target("tsel", "3")?.messageId).toBe("c");
  });
});
