/**
 * The gauges read when Prometheus scrapes, from a source the gateway sets (its binds, routing's live health): the
 * hot path pays nothing for them. Part of metrics.ts's one set of metrics.
 */
import { Gauge, type Registry } from "prom-client";

/** One carrier's live health factor on one route (src/routing/carrier-health.ts). */
export interface HealthFactorReading {
  route: string;
  carrier: string;
  factor: number;
  /** Its conversion share on the route, when judged (min_samples deliveries for accounts that report conversions). */
  conversionShare?: number;
}

/** One bind's requests written and not yet answered. */
export interface BindOutstanding {
  carrier: string;
  bind: string;
  outstanding: number;
}

/** Registers the scrape-time gauges; their sources are set later (the gateway builds them after the metrics). */
export function registerScrapeGauges(registers: Registry[]): {
  setOutstandingSource: (read: () => Iterable<BindOutstanding>) => void;
  setHealthSource: (read: () => Iterable<HealthFactorReading>) => void;
} {
  let readOutstanding: (() => Iterable<BindOutstanding>) | undefined;
  let readHealth: (() => Iterable<HealthFactorReading>) | undefined;
  new Gauge({
    name: "otpgw_carrier_bind_outstanding",
    help: "Requests written on the bind and not yet answered (against its window)",
    labelNames: ["carrier", "bind"],
    registers,
    collect() {
      if (!readOutstanding) return;
      this.reset();
      for (const { carrier, bind, outstanding } of readOutstanding())
        this.set({ carrier, bind }, outstanding);
    },
  });
  new Gauge({
    name: "otpgw_carrier_health_factor",
    help: "A carrier's live health factor on a route, in (0, 1]: what its configured weight is multiplied by (1 below the route's health min_samples, or with health off: no series)",
    labelNames: ["route", "carrier"],
    registers,
    collect() {
      if (!readHealth) return;
      this.reset();
      for (const { route, carrier, factor } of readHealth()) this.set({ route, carrier }, factor);
    },
  });
  new Gauge({
    name: "otpgw_carrier_conversion_share",
    help: "A carrier's conversion share on a route, in [0, 1]: of its SMS deliveries for accounts that report conversions, judged health conversion_wait_seconds after each over the health window, the share whose code was used (no series below min_samples deliveries judged, or with health off)",
    labelNames: ["route", "carrier"],
    registers,
    collect() {
      if (!readHealth) return;
      this.reset();
      for (const { route, carrier, conversionShare } of readHealth())
        if (conversionShare !== undefined) this.set({ route, carrier }, conversionShare);
    },
  });
  return {
    setOutstandingSource: (read) => {
      readOutstanding = read;
    },
    setHealthSource: (read) => {
      readHealth = read;
    },
  };
}
