/**
 * A simulated carrier SMSC for tests, the demo and benchmarks: a real SMPP server on a TCP port with credentials,
 * latencies, an outcome mix, throttling and outages that can be changed while it runs, and exact counters of what
 * the client did (window, rate, exactly-once). See docs/simulator.md.
 */
import { createServer, type Server, type Socket } from "node:net";
import { SmppStatus } from "../../src/smpp/command-status.js";
import { silentLogger, type Logger } from "../../src/observability/logger.js";
import { ControlHttpServer } from "./control-http.js";
import { CounterBook, type SimulatorCounters } from "./counters.js";
import { DelayQueue } from "./delay-queue.js";
import { MessageIdGenerator } from "./message-ids.js";
import {
  OUTAGE_MODES,
  START_ONLY_OPTIONS,
  resolveOptions,
  type OutageMode,
  type ResolvedSimulatorOptions,
  type SimulatorOptions,
} from "./options.js";
import { Reassembler } from "./reassembly.js";
import { ReceivedLog, type ReceivedMessage } from "./received-log.js";
import { ReceiptDispatcher, type ReceiptJob } from "./receipt-dispatcher.js";
import type { SessionHost } from "./session-host.js";
import { SimSession } from "./sim-session.js";
import { SubmitHandler } from "./submit-handler.js";

export type { OutageMode, SimulatorOptions } from "./options.js";
export type { SimulatorCounters, BindCounters, PerSecondCount } from "./counters.js";
export type { ReceivedMessage } from "./received-log.js";

/** Options `setOptions` accepts: everything but what is fixed at start. */
export type RuntimeOptions = Omit<SimulatorOptions, (typeof START_ONLY_OPTIONS)[number]>;

export class CarrierSimulator implements SessionHost {
  options: ResolvedSimulatorOptions;
  outage: OutageMode = "none";
  readonly counterBook = new CounterBook();
  readonly logger: Logger;
  private server: Server | undefined;
  private control: ControlHttpServer | undefined;
  private readonly sessions = new Set<SimSession>();
  private nextSessionId = 1;
  private ids: MessageIdGenerator;
  private readonly queue: DelayQueue;
  private readonly dispatcher = new ReceiptDispatcher();
  private readonly reassembler: Reassembler;
  private readonly log: ReceivedLog;
  private readonly submits: SubmitHandler;
  private started: { port: number; controlPort?: number } | undefined;
  private stopping: Promise<void> | undefined;

  constructor(options: SimulatorOptions = {}) {
    this.options = resolveOptions(options);
    this.logger = options.logger ?? silentLogger();
    this.ids = new MessageIdGenerator(this.options.messageIdStart);
    this.queue = new DelayQueue((error) =>
      this.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        "scheduled task failed",
      ),
    );
    this.reassembler = new Reassembler(this.options.reassemblyTimeoutMs);
    this.log = new ReceivedLog(this.options.historyLimit);
    this.submits = new SubmitHandler({
      options: () => this.options,
      counters: this.counterBook,
      ids: () => this.ids,
      reassembler: this.reassembler,
      log: this.log,
      queue: this.queue,
      dispatcher: this.dispatcher,
    });
  }

  /** Listens for SMPP (and the control endpoint if `controlPort` is set). Resolves with the bound ports. */
  async start(): Promise<{ port: number; controlPort?: number }> {
    if (this.started) return this.started;
    if (this.stopping) throw new Error("carrier simulator was stopped; create a new one");
    const server = createServer((socket) => this.onConnection(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    server.on("error", (error) => this.logger.error({ err: error.message }, "simulator server error"));
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : this.options.port;
    this.started = { port };
    if (this.options.controlPort !== undefined) {
      this.control = new ControlHttpServer(this, this.logger);
      try {
        this.started.controlPort = await this.control.listen(this.options.controlPort, this.options.host);
      } catch (error) {
        await this.stop();
        throw error;
      }
    }
    this.logger.info({ port, controlPort: this.started.controlPort }, "carrier simulator listening");
    return this.started;
  }

  /** Destroys every session, drops pending responses and receipts, and closes the listeners. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    this.queue.clear();
    for (const session of this.sessions) session.destroy();
    this.dispatcher.clear();
    const server = this.server;
    const closing = server
      ? new Promise<void>((resolve) => server.close(() => resolve()))
      : Promise.resolve();
    await Promise.all([closing, this.control?.close()]);
  }

  /**
   * - "none": normal service (receipts held during an outage go out now).
   * - "refuse-binds": bind attempts get ESME_RBINDFAIL and are closed; bound sessions carry on.
   * - "drop-connections": every session is destroyed now and new connections are closed as they arrive.
   * - "stop-answering": sockets stay open, PDUs are read but nothing is answered (enquire_link included) and no
   *   receipt is sent; responses due meanwhile are never sent.
   */
  setOutage(mode: OutageMode): void {
    if (!OUTAGE_MODES.includes(mode)) throw new Error(`unknown outage mode ${String(mode)}`);
    this.outage = mode;
    this.logger.info({ outage: mode }, "outage mode set");
    if (mode === "drop-connections") {
      for (const session of this.sessions) session.destroy();
    } else if (mode === "none") {
      this.dispatcher.flushAll();
    }
  }

  /** Changes options while running (latencies, mix, throttle, formats, credentials, ...). Validated as a whole. */
  setOptions(partial: RuntimeOptions): void {
    const refused = START_ONLY_OPTIONS.filter((key) => key in partial);
    if (refused.length > 0) throw new Error(`options fixed at start cannot change: ${refused.join(", ")}`);
    const next = resolveOptions(partial, this.options);
    if (partial.messageIdStart !== undefined) this.ids = new MessageIdGenerator(next.messageIdStart);
    this.options = next;
    this.log.setLimit(next.historyLimit);
    this.reassembler.setTimeout(next.reassemblyTimeoutMs);
    this.dispatcher.flushAll();
  }

  /** A snapshot of the counters (a new object each call). */
  counters(): SimulatorCounters {
    return this.counterBook.snapshot(this.dispatcher.pending, this.dispatcher.dropped);
  }

  /** Messages received (parts reassembled), oldest first, up to `historyLimit`. */
  received(): ReceivedMessage[] {
    return this.log.all();
  }

  /** Forgets received messages, incomplete parts and waiting receipts, and zeroes the counters. */
  reset(): void {
    this.log.clear();
    this.reassembler.clear();
    this.dispatcher.clear();
    this.counterBook.reset();
    this.counterBook.currentSessions = this.sessions.size;
  }

  /** The bound SMPP port (after start). */
  get port(): number | undefined {
    return this.started?.port;
  }

  /** The bound control port, if the control endpoint runs. */
  get controlPort(): number | undefined {
    return this.started?.controlPort;
  }

  private onConnection(socket: Socket): void {
    if (this.outage === "drop-connections" || this.stopping) {
      this.counterBook.connectionsRefused++;
      socket.on("error", () => socket.destroy());
      socket.destroy();
      return;
    }
    this.counterBook.connectionsAccepted++;
    this.counterBook.currentSessions++;
    const session = new SimSession(this.nextSessionId++, socket, this);
    this.sessions.add(session);
  }

  // SessionHost -----------------------------------------------------------------------------------------------

  authorizeBind(systemId: string, password: string, interfaceVersion: number): number {
    const o = this.options;
    if (this.outage === "refuse-binds") return SmppStatus.ESME_RBINDFAIL;
    const account = o.credentials.find((c) => c.systemId === systemId);
    if (!account) return SmppStatus.ESME_RINVSYSID;
    if (account.password !== password) return SmppStatus.ESME_RINVPASWD;
    if (!o.interfaceVersions.includes(interfaceVersion)) return SmppStatus.ESME_RBINDFAIL;
    if (o.maxBindsPerSystemId > 0) {
      let bound = 0;
      for (const s of this.sessions) if (s.isBound && s.systemId === systemId) bound++;
      if (bound >= o.maxBindsPerSystemId) return SmppStatus.ESME_RBINDFAIL;
    }
    return SmppStatus.ESME_ROK;
  }

  onBound(session: SimSession): void {
    if (session.stats) this.counterBook.bindOpened(session.stats);
    if (session.bindType !== "transmitter") this.dispatcher.addReceiver(session);
  }

  onUnbound(session: SimSession): void {
    this.dispatcher.removeReceiver(session);
  }

  onClosed(session: SimSession): void {
    this.sessions.delete(session);
    this.counterBook.currentSessions = this.sessions.size;
    if (session.stats) this.counterBook.bindClosed(session.stats);
  }

  handleSubmit(session: SimSession, frame: Buffer, sequence: number): void {
    this.submits.handle(session, frame, sequence);
  }

  retryReceipt(job: ReceiptJob): void {
    this.queue.after(this.options.receiptRetryDelayMs, () => this.dispatcher.dispatch(job));
  }

  requeueReceipt(job: ReceiptJob): void {
    if (this.stopping) return;
    this.dispatcher.dispatch(job);
  }

  receiptSlotFreed(systemId: string): void {
    this.dispatcher.flush(systemId);
  }
}
