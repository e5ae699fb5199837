import { describe, expect, it } from "vitest";
import { reportEndedAttempts } from "../../../src/delivery/commit-observer.js";
import type { RoutePlanner } from "../../../src/delivery/route-planner.js";
import type { Attempt, AttemptOutcome } from "../../../src/delivery/types.js";
import { testMessage } from "../../helpers/message.js";

function attempt(n: number, carrier: string, outcome?: AttemptOutcome): Attempt {
  return {
    n,
    channel: "sms",
    carrier,
    startedAt: n * 1000,
    dlrDeadline: n * 1000 + 30_000,
    carrierMessageIds: ["x"],
    partStatus: ["accepted"],
    ...(outcome && { outcome, endedAt: n * 1000 + 500 }),
  };
}

function recorder() {
  const ended: string[] = [];
  const planner: RoutePlanner = {
    drained: () => false,
    plan: () => undefined,
    choose: () => null,
    attemptEnded: (to, country, a) => ended.push(`${to} ${country} ${a.n} ${a.carrier} ${a.outcome}`),
  };
  return { ended, planner };
}

describe("reportEndedAttempts", () => {
  it("tells the planner of each attempt that ended between two versions, once", () => {
    const { ended, planner } = recorder();
    const before = testMessage("m1", { attempts: [attempt(1, "a")] });
    // The step ended attempt 1, failed to build attempt 2 on b (ended at once), and started attempt 3 on c.
    const after = testMessage("m1", {
      attempts: [attempt(1, "a", "timeout"), attempt(2, "b", "rejected"), attempt(3, "c")],
    });
    reportEndedAttempts(planner, before, after);
    expect(ended).toEqual(["+6281234567890 ID 2 b rejected", "+6281234567890 ID 1 a timeout"]);
    // The next step (a receipt for attempt 3 on the same version) tells of attempt 3 only.
    const later = testMessage("m1", {
      attempts: [attempt(1, "a", "timeout"), attempt(2, "b", "rejected"), attempt(3, "c", "delivered")],
    });
    ended.length = 0;
    reportEndedAttempts(planner, after, later);
    expect(ended).toEqual(["+6281234567890 ID 3 c delivered"]);
  });

  it("tells nothing when no attempt ended, and asks nothing of a planner without live health", () => {
    const { ended, planner } = recorder();
    const open = testMessage("m1", { attempts: [attempt(1, "a", "failed"), attempt(2, "b")] });
    reportEndedAttempts(planner, open, open);
    expect(ended).toEqual([]);
    expect(() =>
      reportEndedAttempts(
        { drained: () => false, plan: () => undefined, choose: () => null },
        testMessage("m1"),
        open,
      ),
    ).not.toThrow();
  });
});
