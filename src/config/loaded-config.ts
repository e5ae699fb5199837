import type { CarrierConfig, DaemonConfig } from "./types.js";

/** Everything otpgw needs at start, validated as a whole. */
export interface LoadedConfig {
  daemon: DaemonConfig;
  carriers: CarrierConfig[];
}
