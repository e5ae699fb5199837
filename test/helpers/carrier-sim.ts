import { onTestFinished } from "vitest";
import { CarrierSimulator, type SimulatorOptions } from "../../scripts/sim/carrier-simulator.js";

/** The carrier simulator on 127.0.0.1:0 with the credentials every daemon fixture binds with; stopped after the test. */
export async function startCarrierSim(options: SimulatorOptions = {}): Promise<CarrierSimulator> {
  const sim = new CarrierSimulator({ credentials: [{ systemId: "otpgw", password: "secret" }], ...options });
  await sim.start();
  onTestFinished(() => sim.stop());
  return sim;
}
