import { minValiditySeconds } from "../config/min-validity.js";
import type { LoadedConfig } from "../config/loaded-config.js";
import { parseDestination } from "../routing/numbering.js";
import type { Metrics } from "../observability/metrics.js";
import type { RouteTable } from "../routing/route-table.js";
import { countSmsParts } from "../smpp/segmentation.js";
import type { SubmitCheckDeps } from "./http/submit-checks.js";

/** What the HTTP API and the SMPP server check a submit against: the numbering plan, SMS parts, the route's validity. */
export function submitCheckDeps(
  config: Pick<LoadedConfig, "daemon"> & { routes: Pick<RouteTable, "match"> },
  metrics?: Pick<Metrics, "submitsLimited">,
  /** Operators' account suspensions and blocked ranges (src/ops/account-controls.ts). */
  controls?: {
    suspended(account: string): boolean;
    blockedRange(account: string, e164: string): string | undefined;
  },
): SubmitCheckDeps {
  const { daemon, routes } = config;
  return {
    parseDestination,
    countParts: (text) => countSmsParts(text),
    validity: (country, e164) => {
      const route = routes.match(e164, country);
      return route
        ? {
            defaultSeconds: route.validitySeconds,
            maxSeconds: route.maxValiditySeconds,
            minSeconds: minValiditySeconds(daemon.delivery),
          }
        : undefined;
    },
    privateCallbacks: daemon.webhookPrivateAddresses,
    ...(metrics && { limited: (account, limit) => metrics.submitsLimited.inc({ account, limit }) }),
    ...(controls && {
      suspended: (account: string) => controls.suspended(account),
      blockedRange: (account: string, e164: string) => controls.blockedRange(account, e164),
    }),
  };
}
