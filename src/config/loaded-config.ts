import type { AccountsConfig } from "../north/accounts/account-types.js";
import type { NetworkPlan } from "../routing/networks.js";
import type { RouteTable } from "../routing/route-table.js";
import type { CarrierConfig, DaemonConfig } from "./types.js";

/** Everything otpgw needs at start, validated as a whole. */
export interface LoadedConfig {
  daemon: DaemonConfig;
  carriers: CarrierConfig[];
  routes: RouteTable;
  /** The networks file: mobile networks by MCC/MNC and number range (routes match them; ported numbers name them). */
  networks: NetworkPlan;
  accounts: AccountsConfig;
}

/** The daemon settings and the carriers, without routes.yaml and accounts.yaml (what the carriers commands read). */
export type SettingsAndCarriers = Pick<LoadedConfig, "daemon" | "carriers">;
