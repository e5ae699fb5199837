import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { DaemonConfig } from "./types.js";

/**
 * This instance's token among the instances sharing one Redis (bind-slot leases, bind-slots.ts): `instance_id` /
 * OTPGW_INSTANCE_ID when set; else the host name with the SMPP and HTTP ports it is configured to listen on (two
 * instances on one host cannot listen on the same ports), so that an instance restarted after a crash finds the
 * leases it held and binds again at once instead of waiting for them to expire; with both ports 0 (chosen by the
 * OS), a random one: such an instance's leases expire after a crash. Two running instances must never share a token.
 */
export function instanceId(
  daemon: Pick<DaemonConfig, "instanceId" | "smpp" | "http">,
  host: string = hostname(),
): string {
  if (daemon.instanceId !== undefined) return daemon.instanceId;
  const ports = [daemon.smpp.enabled ? daemon.smpp.port : 0, daemon.http.port].filter((p) => p !== 0);
  if (ports.length === 0) return `${host}:${randomBytes(6).toString("hex")}`;
  return [host, ...ports].join(":");
}
