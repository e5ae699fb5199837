/**
 * The route table: which route a destination takes. Precedence, whatever the order in routes.yaml:
 *   1. the route with the longest prefix the E.164 number starts with (`+62811` beats `+6281` beats `+62`);
 *   2. else the route listing the number's mobile network (MCC/MNC: its ported entry, else its number range —
 *      src/routing/networks.ts), looked up only when some route matches by network;
 *   3. else the route listing the number's country;
 *   4. else the default route, if there is one; else no route (the message cannot be sent).
 * Prefixes sit in a digit trie built once (PrefixTrie), so a lookup walks the number's digits without allocating.
 */
import { PrefixTrie } from "./prefix-trie.js";
import { findNetwork, NetworkPlan, NOT_PORTED, type PortedLookup } from "./networks.js";
import { routeLimits } from "./route-defaults.js";
import type { Route, RouteSpec, RouteTiming } from "./route.js";

export class RouteTable {
  /** The routes as validated, in file order (for listing and checks). */
  readonly specs: readonly RouteSpec[];
  /** routes.yaml `defaults`: the timing of routes that set none, and of destinations without a route. */
  readonly defaults: RouteTiming;
  readonly #prefixes = new PrefixTrie<Route>();
  readonly #countries = new Map<string, Route>();
  /** By MCC/MNC: the route as matched by the number's range, and as matched by its ported entry (explanations). */
  readonly #networks = new Map<string, { range: Route; ported: Route }>();
  readonly #default: Route | undefined;

  /**
   * Throws when two routes claim the same prefix, the same country or both the default, or a route has more
   * than `routeLimits.carriersPerRouteMax` carriers: parseRoutesFile reports those as problems first.
   */
  constructor(
    specs: readonly RouteSpec[],
    defaults: RouteTiming,
    /** The networks file the routes were checked against: a destination's network is found in it. */
    readonly networks: NetworkPlan = NetworkPlan.EMPTY,
  ) {
    this.specs = specs;
    this.defaults = defaults;
    let fallback: Route | undefined;
    for (const spec of specs) {
      if (spec.carriers.length > routeLimits.carriersPerRouteMax) {
        throw new Error(`route ${spec.name}: more than ${routeLimits.carriersPerRouteMax} carriers`);
      }
      const match = spec.match;
      if (match.kind === "prefix") {
        for (const prefix of match.prefixes) {
          const other = this.#prefixes.add(prefix, toRoute(spec, `prefix ${prefix}`));
          if (other) throw new Error(`prefix ${prefix} is in routes ${other.name} and ${spec.name}`);
        }
      } else if (match.kind === "network") {
        for (const mccmnc of match.networks) {
          const other = this.#networks.get(mccmnc)?.range;
          if (other) throw new Error(`network ${mccmnc} is in routes ${other.name} and ${spec.name}`);
          this.#networks.set(mccmnc, {
            range: toRoute(spec, `network ${mccmnc}`),
            ported: toRoute(spec, `network ${mccmnc}, ported`),
          });
        }
      } else if (match.kind === "country") {
        for (const country of match.countries) {
          const other = this.#countries.get(country);
          if (other) throw new Error(`country ${country} is in routes ${other.name} and ${spec.name}`);
          this.#countries.set(country, toRoute(spec, `country ${country}`));
        }
      } else {
        if (fallback) throw new Error(`two default routes: ${fallback.name} and ${spec.name}`);
        fallback = toRoute(spec, "default");
      }
    }
    this.#default = fallback;
  }

  /**
   * The route for a destination, given in E.164 form with the country the numbering plan found for it
   * (parseDestination); undefined when no route takes it and there is no default. `ported`: the ported numbers in
   * force (the daemon's, src/ops/ported-watch.ts); without them a number's network is its range's.
   */
  match(e164: string, country: string, ported: PortedLookup = NOT_PORTED): Route | undefined {
    const longest = this.#prefixes.longest(e164);
    if (longest !== undefined) return longest;
    if (this.#networks.size > 0) {
      const network = findNetwork(this.networks, ported, e164, country);
      const routes = network && this.#networks.get(network.network.mccmnc);
      if (network !== undefined && routes !== undefined)
        return network.source === "ported" ? routes.ported : routes.range;
    }
    return this.#countries.get(country) ?? this.#default;
  }

  /** Whether some route matches by network (otherwise no destination's network is looked up). */
  get matchesNetworks(): boolean {
    return this.#networks.size > 0;
  }
}

function toRoute(spec: RouteSpec, matchedBy: string): Route {
  return {
    name: spec.name,
    matchedBy,
    carriers: spec.carriers,
    dlrTimeoutMs: spec.dlrTimeoutMs,
    validitySeconds: spec.validitySeconds,
    maxValiditySeconds: spec.maxValiditySeconds,
    health: spec.health,
    escalation: spec.escalation,
    beforeSms: spec.beforeSms,
  };
}
