import { describe, expect, it } from "vitest";
import { targetRows, type SuiteResults } from "../../../scripts/bench/summary.js";

describe("bench summary", () => {
  it("puts each target beside the ratio of figures measured in the same run", () => {
    const results = {
      smpp: {
        ratio: { completedPerSecond: 0.72 },
        gateway: { completedPerSecond: 7200, cpuMsPerMessage: { relay: 0.1, redis: 0.05 } },
        nullRelay: { completedPerSecond: 10000, cpuMsPerMessage: { relay: 0.06 } },
      },
      http: { saturation: { completedPerSecond: 5000, cpuMsPerMessage: { otpgw: 0.16, redis: 0.04 } } },
      kannel: { completedPerSecond: 2000, cpuMsPerMessage: { kannel: 0.4 } },
      memory: {
        accepted: 100000,
        samples: [
          { rssMiB: 100, redisUsedMiB: 50 },
          { rssMiB: 290, redisUsedMiB: 140 },
        ],
      },
      routing: {
        operations: [
          { operation: "parse", p50Ns: 5000 },
          { operation: "choose 1st", table: "t", p50Ns: 90 },
          { operation: "choose 2nd", table: "t", p50Ns: 150 },
        ],
      },
    } as unknown as SuiteResults;
    const rows = targetRows(results);
    const byTarget = new Map(rows.map((r) => [r.target, r]));
    // 0.72 meets the SMPP server's 0.70 but not the performance issue's 1.00: one row each.
    const smppRows = rows.filter((r) => r.target === "SMPP path completed/s ÷ null relay");
    expect(smppRows.map((r) => [r.goal, r.met])).toEqual([
      ["≥ 0.70 (SMPP server)", true],
      ["≥ 1.00 (performance)", false],
    ]);
    expect(byTarget.get("HTTP path completed/s ÷ Kannel")).toMatchObject({
      measured: expect.stringMatching(/^2\.50 /) as unknown,
      met: true,
    });
    expect(byTarget.get("CPU ms/msg: otpgw ÷ Kannel (bearerbox + smsbox)")).toMatchObject({
      measured: "0.40 daemon only, 0.50 with Redis",
      met: true,
    });
    // 290 MiB is 304 MB: over 300 MB.
    expect(byTarget.get("otpgw RSS with 100000 messages awaiting receipts")?.met).toBe(false);
    expect(byTarget.get("routing decision median")).toMatchObject({
      measured: expect.stringMatching(/^150 ns/) as unknown,
      met: true,
    });
    // No latency figures in this run: no row for them.
    expect(rows.some((r) => r.target.includes("latency"))).toBe(false);
  });

  it("judges the added latency by the difference, or by otpgw's own p99 when the null relay's is larger", () => {
    const latency = (own: number, baseline: number) =>
      ({
        latency: {
          targetPerSecond: 1000,
          gateway: { submitMs: { p99: own }, keptUp: true },
          nullRelay: { submitMs: { p99: baseline } },
          added: { submitMs: { p99: own - baseline }, endToEndMs: { p99: 1 } },
        },
      }) as unknown as SuiteResults;
    const row = (results: SuiteResults) => targetRows(results).find((r) => r.target.includes("latency"));
    expect(row(latency(12, 4))).toMatchObject({
      measured: expect.stringMatching(/^8\.00 ms \(otpgw 12\.00 − null relay 4\.00;/) as unknown,
      met: true,
    });
    // A negative difference says nothing; otpgw's own 12 ms is over the 10 ms bound.
    expect(row(latency(12, 30))).toMatchObject({
      measured: expect.stringMatching(/^12\.00 ms \(otpgw's own p99/) as unknown,
      met: false,
    });
    expect(row(latency(6, 21))?.met).toBe(true);
  });

  it("gives the spread of the HTTP-vs-Kannel rounds beside their median ratio", () => {
    const results = {
      http: { saturation: { completedPerSecond: 4200, cpuMsPerMessage: { otpgw: 0.2, redis: 0.06 } } },
      kannel: { completedPerSecond: 4000, cpuMsPerMessage: { kannel: 0.38 } },
      httpRounds: [
        { otpgw: 3900, kannel: 3800, ratio: 1.026 },
        { otpgw: 4200, kannel: 4000, ratio: 1.05 },
        { otpgw: 5000, kannel: 4200, ratio: 1.19 },
      ],
    } as unknown as SuiteResults;
    const row = targetRows(results).find((r) => r.target === "HTTP path completed/s ÷ Kannel");
    expect(row?.measured).toBe("1.05 (4200 ÷ 4000); median of 3 rounds, 1.03–1.19");
    expect(row?.met).toBe(false);
  });

  it("reports otpgw beside the durable null relay, and the durable relay beside the null one, when it ran", () => {
    const smpp = {
      ratio: { completedPerSecond: 0.6, durableCompletedPerSecond: 1.25 },
      gateway: { completedPerSecond: 6000, cpuMsPerMessage: { relay: 0.1, redis: 0.05 } },
      nullRelay: { completedPerSecond: 10000, cpuMsPerMessage: { relay: 0.06 } },
      durableNullRelay: { completedPerSecond: 4800, cpuMsPerMessage: { relay: 0.15, redis: 0.05 } },
    };
    const rows = targetRows({ smpp } as unknown as SuiteResults);
    expect(rows.find((r) => r.target === "SMPP path completed/s ÷ durable null relay")).toEqual({
      target: "SMPP path completed/s ÷ durable null relay",
      goal: "reported",
      measured: "1.25 (6000 ÷ 4800); durable ÷ null 0.48",
      met: true,
    });
    const { durableNullRelay: _, ...withoutDurable } = smpp;
    const plain = targetRows({ smpp: withoutDurable } as unknown as SuiteResults);
    expect(plain.some((r) => r.target.includes("durable"))).toBe(false);
  });

  it("gives the spread of the smpp rounds beside their median ratio", () => {
    const smpp = {
      ratio: { completedPerSecond: 0.52 },
      gateway: { completedPerSecond: 7800, cpuMsPerMessage: { relay: 0.1, redis: 0.05 } },
      nullRelay: { completedPerSecond: 15000, cpuMsPerMessage: { relay: 0.06 } },
      rounds: [
        { nullRelay: 14000, otpgw: 6720, ratio: 0.48 },
        { nullRelay: 15000, otpgw: 7800, ratio: 0.52 },
        { nullRelay: 14500, otpgw: 8120, ratio: 0.56 },
      ],
    };
    const row = targetRows({ smpp } as unknown as SuiteResults).find(
      (r) => r.target === "SMPP path completed/s ÷ null relay",
    );
    expect(row?.measured).toBe("0.52 (7800 ÷ 15000); median of 3 rounds, 0.48–0.56");
  });
});
