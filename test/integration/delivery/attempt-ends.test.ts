import { describe, expect, it } from "vitest";
import { deliveryHarness } from "../../helpers/delivery-harness.js";
import { waitUntil } from "../../helpers/wait.js";

const QUICK = { submitRespLatencyMs: { min: 1, max: 3 }, receiptLatencyMs: { min: 10, max: 30 } };

describe("ended attempts reach routing's live health", () => {
  it("reports every attempt's end exactly once, the rerouted-from ones and the final ones", async () => {
    const ended: string[] = [];
    const h = await deliveryHarness({
      carriers: [
        { id: "failing", sim: { ...QUICK, outcomeMix: { DELIVRD: 0, UNDELIV: 1, EXPIRED: 0, none: 0 } } },
        { id: "silent", sim: { ...QUICK, outcomeMix: { DELIVRD: 0, UNDELIV: 0, EXPIRED: 0, none: 1 } } },
        { id: "good", sim: QUICK },
      ],
      // Long enough for a part to go out on a loaded machine (else it ends not_sent, withdrawn from the queue).
      dlrTimeoutMs: 1000,
      attemptEnded: (to, _country, attempt) => {
        expect(attempt.endedAt).toBeGreaterThanOrEqual(attempt.startedAt);
        ended.push(`${to} ${attempt.carrier} ${attempt.outcome}`);
      },
    });
    await waitUntil(() => [...h.pools.values()].every((p) => p.boundCount === 1), 15_000, "the binds");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await h.engine.accept(h.newMessage(i))).message.id);
    await waitUntil(() => h.notified.length >= 5, 20_000, "the final notifications");
    await new Promise((r) => setTimeout(r, 300));

    const expected: string[] = [];
    for (const [i, id] of ids.entries()) {
      const final = (await h.engine.get(id))!;
      expect(final.state).toBe("delivered");
      for (const attempt of final.attempts)
        expected.push(`${final.to} ${attempt.carrier} ${attempt.outcome}`);
      // The silent carrier's attempt ends by its DLR timeout (or unknown, if its submit went unanswered).
      expect(final.attempts.map((a) => a.carrier)).toEqual(["failing", "silent", "good"]);
      expect(final.to).toBe(h.newMessage(i).to);
    }
    expect([...ended].sort()).toEqual(expected.sort());
    expect(ended).toHaveLength(15);
  });
});
