import { describe, expect, it } from "vitest";
import { formatProblem } from "../../../src/config/config-problem.js";
import { parseRoutesFile } from "../../../src/routing/routes-file.js";

const file = "routes.yaml";
const carriers = new Map([
  ["id-telkomsel", { countries: ["ID"] }],
  ["id-indosat", { countries: ["ID"] }],
  ["kr-skt", { countries: ["KR"] }],
]);

function parse(text: string) {
  const result = parseRoutesFile(text, file, carriers);
  return { table: result.table, problems: result.problems.map(formatProblem) };
}

const routes = `routes:
  - name: indonesia
    match: { country: ID }
    carriers: [{ carrier: id-telkomsel }, { carrier: id-indosat }]
    dlr_timeout_seconds: 20
  - name: korea
    match: { country: KR }
    carriers: [{ carrier: kr-skt }]
    health: { min_samples: 50, latency_target_seconds: 4 }
`;

describe("routes.yaml health:", () => {
  it("is on by default: a 10-minute window, 20 samples, a 5 % floor, half the DLR timeout as latency target", () => {
    const { table, problems } = parse(routes);
    expect(problems).toEqual([]);
    expect(table!.match("+6281234567890", "ID")!.health).toEqual({
      enabled: true,
      windowMs: 600_000,
      minSamples: 20,
      floorShare: 0.05,
      latencyTargetMs: 10_000,
      conversionWaitMs: 120_000,
    });
  });

  it("takes each key from the route, else from defaults, else the built-in default", () => {
    const text = `defaults:
  dlr_timeout_seconds: 30
  health: { window_seconds: 300, min_samples: 30, floor_percent: 10, latency_target_seconds: 8, conversion_wait_seconds: 90 }
${routes}`;
    const { table, problems } = parse(text);
    expect(problems).toEqual([]);
    expect(table!.match("+6281234567890", "ID")!.health).toEqual({
      enabled: true,
      windowMs: 300_000,
      minSamples: 30,
      floorShare: 0.1,
      latencyTargetMs: 8000,
      conversionWaitMs: 90_000,
    });
    expect(table!.match("+821055551234", "KR")!.health).toEqual({
      enabled: true,
      windowMs: 300_000,
      minSamples: 50,
      floorShare: 0.1,
      latencyTargetMs: 4000,
      conversionWaitMs: 90_000,
    });
  });

  it("can be turned off for every route and back on for one", () => {
    const text = `defaults:
  health: { enabled: false }
${routes.replace("health: { min_samples: 50,", "health: { enabled: true, min_samples: 50,")}`;
    const { table } = parse(text);
    expect(table!.match("+6281234567890", "ID")!.health.enabled).toBe(false);
    expect(table!.match("+821055551234", "KR")!.health.enabled).toBe(true);
  });

  it("refuses unknown keys with a hint, and values out of range, with their line", () => {
    const text = `defaults:
  health: { enable: false, window_seconds: 5 }
routes:
  - name: indonesia
    match: { country: ID }
    carriers: [{ carrier: id-telkomsel }]
    health:
      min_sample: 10
      floor_percent: 60
      latency_target_seconds: 0
      enabled: "no"
  - name: korea
    match: { country: KR }
    carriers: [{ carrier: kr-skt }]
    health: { min_samples: 2.5, window_seconds: 100000, conversion_wait_seconds: 7200 }
`;
    // Sorted: problems on one line come in the schema's order.
    expect(parse(text).problems.sort()).toEqual(
      [
        "routes.yaml:2: defaults.health.enable: unknown key (did you mean enabled?)",
        "routes.yaml:2: defaults.health.window_seconds: must be at least 10",
        "routes.yaml:8: routes.0.health.min_sample: unknown key (did you mean min_samples?)",
        "routes.yaml:9: routes.0.health.floor_percent: must be at most 50",
        "routes.yaml:10: routes.0.health.latency_target_seconds: must be greater than 0",
        "routes.yaml:11: routes.0.health.enabled: expected true or false, got a string",
        "routes.yaml:15: routes.1.health.min_samples: must be a whole number",
        "routes.yaml:15: routes.1.health.window_seconds: must be at most 86400",
        "routes.yaml:15: routes.1.health.conversion_wait_seconds: must be at most 3600",
      ].sort(),
    );
  });
});
