import type { CarrierConfig } from "../config/types.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import type { CarrierPool } from "../south/carrier-pool.js";
import type { MessageStore } from "./message-store.js";
import type { RoutePlanner } from "./route-planner.js";
import type { Message } from "./types.js";

export interface ProcessorOptions {
  /** No attempt starts with less OTP validity left than this. */
  minRemainingMs: number;
  /** After a restart, how long a carrier must be bound before attempts started earlier may time out. */
  startupReceiptGraceMs: number;
  /** When every untried carrier is unavailable, look again after this long. */
  retryUnavailableMs: number;
  /** DLR timeout when the route gives none. */
  defaultDlrTimeoutMs: number;
}

/** What delivery works with: the store, routing, and the carriers' pools and configs. */
export interface DeliveryCollaborators {
  store: MessageStore;
  planner: RoutePlanner;
  pools: ReadonlyMap<string, CarrierPool>;
  carriers: ReadonlyMap<string, CarrierConfig>;
  logger: Logger;
  metrics?: Metrics;
}

export interface ProcessorDeps extends DeliveryCollaborators {
  clock: () => number;
  rng: () => number;
  options: ProcessorOptions;
  /** Called once a message reached its final state (it is in the outbox). */
  onFinal: (message: Message) => void;
}
