import { defaults } from "../../src/config/defaults.js";
import type { CarrierConfig } from "../../src/config/types.js";

/** A carrier config for tests: the documented defaults, pointed at a local simulator. */
export function testCarrier(overrides: Partial<CarrierConfig> & { port: number }): CarrierConfig {
  return {
    ...defaults.carrier,
    sourceAddress: { ...defaults.carrier.sourceAddress },
    id: "test-carrier",
    file: "carriers/test-carrier.yaml",
    host: "127.0.0.1",
    systemId: "otpgw",
    password: "secret",
    countries: ["ID"],
    reconnectMinDelayMs: 50,
    reconnectMaxDelayMs: 500,
    ...overrides,
  };
}
