/**
 * The demo's simulated SMPP carriers (scenario.ts, DEMO_CARRIERS), in-process on free ports of 127.0.0.1, each
 * taking the SMPP account otpgw's carrier files give; and their own counters, for the summary.
 */
import { CarrierSimulator } from "../sim/carrier-simulator.js";
import type { Cleanup } from "./cleanup.js";
import { DEMO_CARRIERS, SMPP_PASSWORD, SMPP_SYSTEM_ID, type DemoCarrier } from "./scenario.js";
import type { SimCounts } from "./summary.js";

export interface DemoCarrierSims {
  /** By carrier id. */
  sims: Map<string, CarrierSimulator>;
  /** Each carrier with its simulator's port: what otpgw's carrier files point at. */
  carriers: { carrier: DemoCarrier; port: number }[];
}

/** Starts every carrier's simulator; each is stopped by `cleanup`. */
export async function startDemoCarrierSims(cleanup: Cleanup): Promise<DemoCarrierSims> {
  const sims = new Map<string, CarrierSimulator>();
  const carriers: DemoCarrierSims["carriers"] = [];
  for (const carrier of DEMO_CARRIERS) {
    const sim = new CarrierSimulator({
      ...carrier.sim,
      credentials: [{ systemId: SMPP_SYSTEM_ID, password: SMPP_PASSWORD }],
    });
    cleanup.add(`simulator ${carrier.id}`, () => sim.stop());
    const { port } = await sim.start();
    sims.set(carrier.id, sim);
    carriers.push({ carrier, port });
  }
  return { sims, carriers };
}

/** What each simulator counted: submit PDUs, whole messages, throttles. */
export function simCounts(sims: Map<string, CarrierSimulator>): Map<string, SimCounts> {
  const counts = new Map<string, SimCounts>();
  for (const [id, sim] of sims) {
    const c = sim.counters();
    counts.set(id, { submitPdus: c.submitsReceived, messages: c.messagesReceived, throttled: c.throttled });
  }
  return counts;
}
