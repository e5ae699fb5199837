import { describe, expect, it } from "vitest";
import { foldedStacks, type CpuProfile } from "../../../scripts/bench/cpu-profile-summary.js";

const frame = (functionName: string, url = "", lineNumber = 0) => ({ functionName, url, lineNumber });

describe("folded stacks from a V8 CPU profile", () => {
  it("writes one line per stack, root first, with the microseconds sampled in it, idle left out", () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame("(root)"), children: [2, 5] },
        { id: 2, callFrame: frame("onData", "file:///app/dist/smpp/session.js", 9), children: [3, 4] },
        { id: 3, callFrame: frame("pack", "file:///app/node_modules/msgpackr/pack.js", 470) },
        { id: 4, callFrame: frame("", "file:///app/dist/a;b.js", 0) },
        { id: 5, callFrame: frame("(idle)") },
      ],
      samples: [3, 3, 4, 5, 2],
      timeDeltas: [100, 150, 40, 5000, 10],
    };
    expect(foldedStacks(profile).trim().split("\n").sort()).toEqual([
      "onData smpp/session.js:10 10",
      "onData smpp/session.js:10;(anonymous) a,b.js:1 40",
      "onData smpp/session.js:10;pack msgpackr/pack.js:471 250",
    ]);
  });
});
