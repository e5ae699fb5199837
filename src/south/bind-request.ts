import type { CarrierConfig } from "../config/types.js";
import { ErrorCodes } from "../errors.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import { statusLabel, statusName } from "../smpp/command-status.js";
import type { DecodedPdu } from "../smpp/session/pdu-codec.js";
import type { BindMode, SmppSession } from "../smpp/session/smpp-session.js";

/** SMPP 3.4: we speak 3.4 to carriers (node-smpp would announce 5.0 by default). */
const INTERFACE_VERSION_34 = 0x34;

/**
 * Asks the carrier for a bind of `mode` on `session` (interface_version 0x34). True when the carrier accepted it;
 * otherwise the session is destroyed with the drop reason ("bind failed: …" when no answer came, "bind refused: …"
 * when the carrier said no, which is also logged with the credentials to check and counted by status).
 */
export async function requestBind(
  session: SmppSession,
  carrier: CarrierConfig,
  mode: BindMode,
  logger: Logger,
  metrics: Metrics | undefined,
): Promise<boolean> {
  let response: DecodedPdu;
  try {
    response = await session.request(`bind_${mode}`, {
      system_id: carrier.systemId,
      password: carrier.password,
      system_type: carrier.systemType,
      interface_version: INTERFACE_VERSION_34,
      addr_ton: 0,
      addr_npi: 0,
      address_range: "",
    });
  } catch (error) {
    session.destroy(`bind failed: ${(error as Error).message}`);
    return false;
  }
  if (response.status === 0 && response.command !== "generic_nack") return true;
  const name = statusName(response.status);
  metrics?.bindRefused.inc({ carrier: carrier.id, status: statusLabel(response.status) });
  logger.error(
    { code: ErrorCodes.CARRIER_BIND_REFUSED, status: name, systemId: carrier.systemId },
    `carrier refused the bind with ${name}: check system_id and the password variable for carrier ${carrier.id}`,
  );
  session.destroy(`bind refused: ${name}`);
  return false;
}
