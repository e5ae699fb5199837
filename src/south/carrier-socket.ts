import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import type { CarrierConfig } from "../config/types.js";

/**
 * Opens the TCP (or TLS) connection to a carrier's SMSC: `onConnected` with the socket once it is up (TLS: once the
 * handshake is done), or `onFailed` with a drop reason ("connect failed: …") — also when it is not up within the
 * carrier's response timeout, so a black-holed address cannot hold a bind in "connecting" for the OS's minutes.
 */
export function connectCarrier(
  carrier: CarrierConfig,
  onConnected: (socket: Socket) => void,
  onFailed: (reason: string) => void,
): void {
  const { host, port, tls, tlsRejectUnauthorized } = carrier;
  const socket: Socket = tls
    ? tlsConnect({ host, port, rejectUnauthorized: tlsRejectUnauthorized, servername: host })
    : netConnect({ host, port });
  const connectTimer = setTimeout(
    () => socket.destroy(new Error(`connect timed out after ${carrier.responseTimeoutMs} ms`)),
    carrier.responseTimeoutMs,
  );
  const onEarlyError = (error: Error): void => {
    clearTimeout(connectTimer);
    onFailed(`connect failed: ${error.message}`);
  };
  socket.once("error", onEarlyError);
  socket.once(tls ? "secureConnect" : "connect", () => {
    clearTimeout(connectTimer);
    socket.off("error", onEarlyError);
    onConnected(socket);
  });
}
