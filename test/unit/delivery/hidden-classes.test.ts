import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

describe("hidden classes of the hot path's objects", () => {
  it("gives every document, attempt and decoded submit of one kind one hidden class, after V8 optimised them", () => {
    // A child process: natives syntax (%HaveSameMap) needs a V8 flag vitest's workers do not have.
    const output = execFileSync(
      process.execPath,
      ["--allow-natives-syntax", "--import", "tsx", "test/helpers/hidden-class-probe.ts"],
      { encoding: "utf8", timeout: 60_000 },
    );
    const sameMap = JSON.parse(output) as Record<string, boolean>;
    const stages = ["created", "started", "accepted", "receipt", "settled", "final", "decoded"];
    const attempts = stages.slice(1).map((stage) => `${stage} attempt`);
    expect(Object.keys(sameMap).sort()).toEqual([...stages, ...attempts, "submit"].sort());
    for (const [kind, same] of Object.entries(sameMap)) expect(same, kind).toBe(true);
  });
});
