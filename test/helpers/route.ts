import type { HealthSettings, Route } from "../../src/routing/route.js";

/** Live-health settings as routes.yaml's defaults give them for a 30 s DLR timeout. */
export const TEST_HEALTH: HealthSettings = {
  enabled: true,
  windowMs: 600_000,
  minSamples: 20,
  floorShare: 0.05,
  latencyTargetMs: 15_000,
  conversionWaitMs: 120_000,
};

/** Indonesia by country over three carriers weighted 60 / 30 / 10. */
export const INDONESIA_ROUTE: Route = {
  name: "indonesia",
  matchedBy: "country ID",
  carriers: [
    { id: "id-telkomsel", weight: 60 },
    { id: "id-indosat", weight: 30 },
    { id: "id-xl", weight: 10 },
  ],
  dlrTimeoutMs: 30_000,
  validitySeconds: 300,
  maxValiditySeconds: 3600,
  health: TEST_HEALTH,
  escalation: [],
};
