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
});
