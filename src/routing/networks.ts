/**
 * Mobile networks: which network (MCC/MNC) a destination belongs to (findNetwork). First the ported numbers (an operator's
 * import of a number portability database, src/ops/ported-store.ts: a ported number keeps the prefix of the
 * network it left), then the networks file's number ranges (data/networks.yaml: each network's prefixes, the
 * longest matching prefix wins). A number in neither has no known network (routes then go by country), as in
 * countries whose networks share their ranges (South Korea's 010).
 */
import { PrefixTrie } from "./prefix-trie.js";

/** One mobile network of the networks file. */
export interface Network {
  /** Mobile country code and network code, written `510-10`. */
  mccmnc: string;
  /** The operator's name, for explanations and logs. */
  name: string;
  /** ISO 3166-1 alpha-2 country of the network. */
  country: string;
  /** The E.164 prefixes of the network's number ranges (none where its ranges are shared). */
  prefixes: readonly string[];
}

/** A destination's network and how it was found. */
export interface NetworkMatch {
  network: Network;
  /** `ported`: the number is in the ported numbers; `range`: by the networks file's number ranges. */
  source: "ported" | "range";
}

/** The networks file, validated (src/routing/networks-file.ts): networks by MCC/MNC and by number range. */
export class NetworkPlan {
  static readonly EMPTY = new NetworkPlan([]);

  readonly #byCode = new Map<string, Network>();
  readonly #ranges = new PrefixTrie<Network>();

  /** Throws on a duplicate MCC/MNC or prefix: parseNetworksFile reports those as problems first. */
  constructor(readonly networks: readonly Network[]) {
    for (const network of networks) {
      if (this.#byCode.has(network.mccmnc)) throw new Error(`network ${network.mccmnc} twice`);
      this.#byCode.set(network.mccmnc, network);
      for (const prefix of network.prefixes) {
        const other = this.#ranges.add(prefix, network);
        if (other) throw new Error(`prefix ${prefix} is in networks ${other.mccmnc} and ${network.mccmnc}`);
      }
    }
  }

  /** The network with this MCC/MNC, if the file has it. */
  get(mccmnc: string): Network | undefined {
    return this.#byCode.get(mccmnc);
  }

  /** The network whose range (longest prefix) `e164` is in; undefined when none is. */
  byRange(e164: string): Network | undefined {
    return this.#ranges.longest(e164);
  }
}

/** The ported numbers as last loaded (src/routing/ported-index.ts), or one number's entry (the command line). */
export interface PortedLookup {
  /** The MCC/MNC the number was ported to, or undefined. */
  networkOf(e164: string): string | undefined;
}

export const NOT_PORTED: PortedLookup = { networkOf: () => undefined };

/**
 * A destination's network: its ported entry first, then the plan's ranges; undefined when neither knows it. An entry
 * naming a network the plan does not have, or one of another country (the file changed since the import), is
 * ignored.
 */
export function findNetwork(
  plan: NetworkPlan,
  ported: PortedLookup,
  e164: string,
  country: string,
): NetworkMatch | undefined {
  const portedTo = ported.networkOf(e164);
  if (portedTo !== undefined) {
    const network = plan.get(portedTo);
    if (network !== undefined && network.country === country) return { network, source: "ported" };
  }
  const network = plan.byRange(e164);
  return network === undefined ? undefined : { network, source: "range" };
}
