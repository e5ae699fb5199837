/**
 * A plain node-smpp client for the simulator's tests: promise-based requests, receipts collected (and answered
 * with a configurable status), and helpers to wait for conditions with a deadline. Deliberately not otpgw's own
 * session engine: the simulator is tested against an independent ESME.
 */
import smpp from "smpp";
import { onTestFinished } from "vitest";
import { CarrierSimulator, type SimulatorOptions } from "../../../scripts/sim/carrier-simulator.js";

export type BindCommand = "bind_transmitter" | "bind_receiver" | "bind_transceiver";

export class SimClient {
  readonly session: smpp.Session;
  readonly receipts: smpp.PDU[] = [];
  /** command_status for our deliver_sm_resp; change it to test the simulator's redelivery. */
  deliverStatus = 0;
  /** When false, receipts are collected but never answered. */
  answerReceipts = true;
  closed = false;
  readonly errors: Error[] = [];

  private constructor(session: smpp.Session) {
    this.session = session;
    session.on("error", (error: Error) => {
      this.errors.push(error);
      session.destroy();
    });
    session.on("close", () => {
      this.closed = true;
    });
    session.on("deliver_sm", (pdu: smpp.PDU) => {
      this.receipts.push(pdu);
      if (this.answerReceipts) {
        session.send(pdu.response({ command_status: this.deliverStatus, message_id: "" }));
      }
    });
  }

  /** Connects to 127.0.0.1:`port`; the connection is closed when the test finishes. */
  static connect(port: number): Promise<SimClient> {
    return new Promise((resolve, reject) => {
      const session = smpp.connect({ host: "127.0.0.1", port }, () => resolve(client));
      const client = new SimClient(session);
      onTestFinished(() => client.close());
      session.once("error", reject);
    });
  }

  /** The client's local port: the simulator's per-bind counters carry it as `remotePort`. */
  get localPort(): number {
    return this.session.socket.localPort ?? 0;
  }

  request(command: string, fields: smpp.PduFields = {}): Promise<smpp.PDU> {
    return new Promise((resolve, reject) => {
      const ok = this.session.send(new smpp.PDU(command, fields), resolve);
      if (!ok) reject(new Error(`${command} not sent: socket not writable`));
    });
  }

  /** Sends without waiting; the returned promise resolves with the response. */
  bind(
    systemId: string,
    password: string,
    command: BindCommand = "bind_transceiver",
    interfaceVersion = 0x34,
  ) {
    return this.request(command, { system_id: systemId, password, interface_version: interfaceVersion });
  }

  submit(fields: smpp.PduFields): Promise<smpp.PDU> {
    return this.request("submit_sm", {
      source_addr: "OTPGW",
      source_addr_ton: 5,
      destination_addr: "6281234567890",
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      registered_delivery: 1,
      data_coding: 0,
      ...fields,
    });
  }

  close(): void {
    this.session.destroy();
  }

  /** Resolves once the server closed the connection (or rejects after `timeoutMs`). */
  waitClosed(timeoutMs = 5000): Promise<void> {
    return waitFor(() => this.closed, timeoutMs, "connection to close");
  }
}

/**
 * A simulator for one test, binding `otpgw` / `s3cret` (`options` add to or replace that), on 127.0.0.1:0;
 * stopped when the test finishes.
 */
export async function startSim(
  options: SimulatorOptions = {},
): Promise<{ sim: CarrierSimulator; port: number; controlPort: number | undefined }> {
  const sim = new CarrierSimulator({ credentials: [{ systemId: "otpgw", password: "s3cret" }], ...options });
  onTestFinished(() => sim.stop());
  const { port, controlPort } = await sim.start();
  return { sim, port, controlPort };
}

/** Polls `condition` every 10 ms until true; rejects after `timeoutMs` naming `what`. */
export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves with "timeout" if `promise` has not settled within `ms`. */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | "timeout"> {
  return Promise.race([promise, sleep(ms).then(() => "timeout" as const)]);
}
