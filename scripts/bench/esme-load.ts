/**
 * The aggregator side of the SMPP bench: one node-smpp client session bound as a transceiver, keeping a window
 * of submit_sm outstanding (each asks for a receipt), acknowledging every deliver_sm and timing each message
 * from its submit_sm being written to its submit_sm_resp and to its receipt.
 *
 * A run is bounded by time and by count; after the load it waits (bounded) for the receipts still due.
 */
import { once } from "node:events";
import smpp from "smpp";

export interface EsmeCredentials {
  systemId: string;
  password: string;
}

export interface EsmeLoadOptions {
  /** Submits outstanding (awaiting submit_sm_resp) at most. Default 100. */
  window?: number;
  /** Stop submitting after this long. */
  durationMs: number;
  /** Stop submitting after this many submits, whatever the time. */
  maxMessages: number;
  /** After the load, wait at most this long for receipts. Default 60 s. */
  drainMaxMs?: number;
  /** ...and give up sooner when none came for this long. Default 10 s. */
  drainStallMs?: number;
  /** The submits' source_addr (alphanumeric, TON 5). */
  sender: string;
  /** Prefixes the destinations (international, digits), so runs do not reuse numbers. */
  destinationPrefix: string;
  /**
   * Submit at this steady rate, in messages per second (open loop: the k-th submit is due k / rate s after
   * the first), still with at most `window` outstanding. Default: as fast as the window allows.
   */
  ratePerSecond?: number;
  /** Called after each answer to a submit (accepted or not) with the run's figures so far. Default: none. */
  onAnswer?: (result: Readonly<EsmeLoadResult>) => void;
}

export interface EsmeLoadResult {
  sent: number;
  /** submit_sm_resp with status 0. */
  accepted: number;
  /** Other answers, by status in hex (`generic_nack` for one). */
  rejected: Record<string, number>;
  /** Accepted submits whose receipt came. */
  receipts: number;
  /** Accepted submits without a receipt when the run stopped waiting. */
  missing: number;
  /** Receipts for an id already receipted. */
  duplicates: number;
  /** Receipts by `stat:` of their text (or the message_state TLV when there is no text). */
  receiptStats: Record<string, number>;
  /** performance.now() of the first submit, of the last submit_sm_resp, of the last receipt. */
  startedAt: number;
  loadEndedAt: number;
  lastReceiptAt: number;
  /** performance.now() of the last submit written. */
  lastSubmitAt: number;
  /** Paced runs: the most a submit was written after its due time (a full window delays it), in ms; else 0. */
  maxPacingLagMs: number;
  submitLatenciesMs: number[];
  endToEndMs: number[];
}

/** Statuses after which a real ESME waits a moment before submitting again. */
const BACK_OFF_STATUSES = new Set([0x58 /* ESME_RTHROTTLED */, 0x14 /* ESME_RMSGQFUL */]);
const BACK_OFF_MS = 5;
/** GSM 03.38 and ASCII agree on letters, digits, space and '.': the Buffer is the GSM encoding. */
const TEXT = Buffer.from("Your BenchOTP code is 482913. It expires in 5 minutes.", "latin1");
const MESSAGE_STATES: Record<number, string> = { 2: "DELIVRD", 3: "EXPIRED", 5: "UNDELIV", 8: "REJECTD" };

const cstring = (value: unknown): string => (typeof value === "string" ? value.replace(/\0+$/, "") : "");

/** What one run saw; receipts arriving outside a run's ids are ignored. */
class Run {
  /** Accepted message id → when its submit was written. */
  readonly awaiting = new Map<string, number>();
  /** Receipts that overtook their submit_sm_resp: id → when they came. */
  readonly early = new Map<string, number>();
  readonly done = new Set<string>();
  readonly result: EsmeLoadResult = {
    sent: 0,
    accepted: 0,
    rejected: {},
    receipts: 0,
    missing: 0,
    duplicates: 0,
    receiptStats: {},
    startedAt: 0,
    loadEndedAt: 0,
    lastReceiptAt: 0,
    lastSubmitAt: 0,
    maxPacingLagMs: 0,
    submitLatenciesMs: [],
    endToEndMs: [],
  };

  accepted(id: string, sentAt: number): void {
    this.result.accepted++;
    const early = this.early.get(id);
    if (early === undefined) {
      this.awaiting.set(id, sentAt);
      return;
    }
    this.early.delete(id);
    this.complete(id, early - sentAt, early);
  }

  receipt(id: string, stat: string, at: number): void {
    const sentAt = this.awaiting.get(id);
    if (sentAt === undefined) {
      if (this.done.has(id)) this.result.duplicates++;
      // Bounded by the run's submits: a receipt can only overtake a response that is still due.
      else if (this.early.size < 100_000) this.early.set(id, at);
      return;
    }
    this.awaiting.delete(id);
    this.result.receiptStats[stat] = (this.result.receiptStats[stat] ?? 0) + 1;
    this.complete(id, at - sentAt, at);
  }

  private complete(id: string, endToEndMs: number, at: number): void {
    this.done.add(id);
    this.result.receipts++;
    this.result.endToEndMs.push(endToEndMs);
    this.result.lastReceiptAt = Math.max(this.result.lastReceiptAt, at);
  }
}

/** A bound ESME session that runs load phases one after another. */
export class EsmeLoad {
  private current: Run | undefined;
  private closedError: Error | undefined;
  private onClosed: (() => void) | undefined;

  private constructor(private readonly session: smpp.Session) {
    session.on("deliver_sm", (pdu: smpp.PDU) => {
      const at = performance.now();
      session.send(pdu.response({ message_id: "" }));
      const text = (pdu.short_message as { message?: string } | undefined)?.message ?? "";
      const id = cstring(pdu.receipted_message_id) || (/\bid:(\S+)/.exec(text)?.[1] ?? "");
      const state = typeof pdu.message_state === "number" ? MESSAGE_STATES[pdu.message_state] : undefined;
      const stat = /\bstat:(\w+)/.exec(text)?.[1] ?? state ?? "?";
      this.current?.receipt(id, stat, at);
    });
    session.on("error", () => undefined);
    session.on("close", () => {
      this.closedError = new Error("the ESME session was closed by the gateway");
      this.onClosed?.();
    });
  }

  /**
   * Connects to 127.0.0.1:`port` and binds as a transceiver (interface 3.4, so receipts carry TLVs). With
   * `noDelay` the socket sends each PDU at once (TCP_NODELAY), as a latency-minded ESME does; otherwise Nagle's
   * algorithm may hold a small write until the previous one is acknowledged (up to the peer's delayed ACK, 40 ms
   * on Linux). Default false: node-smpp's own behaviour.
   */
  static async connect(
    port: number,
    credentials: EsmeCredentials,
    options: { noDelay?: boolean } = {},
  ): Promise<EsmeLoad> {
    const session = smpp.connect({ host: "127.0.0.1", port, ...(options.noDelay ? { noDelay: true } : {}) });
    session.on("error", () => undefined);
    await once(session, "connect");
    const bound = await new Promise<smpp.PDU>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no bind_transceiver_resp within 10 s")), 10_000);
      const bind = new smpp.PDU("bind_transceiver", {
        system_id: credentials.systemId,
        password: credentials.password,
        interface_version: 0x34,
      });
      session.send(bind, (resp) => {
        clearTimeout(timer);
        resolve(resp);
      });
    });
    if (bound.command_status !== 0) {
      session.destroy();
      throw new Error(`bind refused with status 0x${bound.command_status.toString(16)}`);
    }
    return new EsmeLoad(session);
  }

  /** Submits for `durationMs` (or `maxMessages`), then waits for the receipts still due. */
  async run(options: EsmeLoadOptions): Promise<EsmeLoadResult> {
    const run = new Run();
    this.current = run;
    await this.load(run, options);
    await this.drain(run, options.drainMaxMs ?? 60_000, options.drainStallMs ?? 10_000);
    run.result.missing = run.awaiting.size;
    return run.result;
  }

  /** Unbinds (bounded) and closes the session. */
  async close(): Promise<void> {
    if (this.closedError) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      this.session.send(new smpp.PDU("unbind"), () => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.session.destroy();
  }

  private load(run: Run, options: EsmeLoadOptions): Promise<void> {
    const window = options.window ?? 100;
    const r = run.result;
    r.startedAt = performance.now();
    const end = r.startedAt + options.durationMs;
    const rate = options.ratePerSecond;
    /** Paced runs: when the submit numbered `n` is due. */
    const dueAt = (n: number): number => r.startedAt + (n * 1000) / (rate ?? Infinity);
    return new Promise<void>((resolve, reject) => {
      let inFlight = 0;
      let finished = false;
      let paceTimer: NodeJS.Timeout | undefined;
      const finish = (error?: Error): void => {
        if (finished) return;
        finished = true;
        clearTimeout(paceTimer);
        r.loadEndedAt = performance.now();
        this.onClosed = undefined;
        if (error) reject(error);
        else resolve();
      };
      this.onClosed = () => finish(this.closedError);
      const answered = (resp: smpp.PDU, sentAt: number): void => {
        const now = performance.now();
        r.submitLatenciesMs.push(now - sentAt);
        if (resp.command === "submit_sm_resp" && resp.command_status === 0) {
          run.accepted(cstring(resp.message_id), sentAt);
          options.onAnswer?.(r);
          inFlight--;
          fill();
          return;
        }
        const key =
          resp.command === "submit_sm_resp" ? `0x${resp.command_status.toString(16)}` : resp.command;
        r.rejected[key] = (r.rejected[key] ?? 0) + 1;
        options.onAnswer?.(r);
        const release = (): void => {
          inFlight--;
          fill();
        };
        if (BACK_OFF_STATUSES.has(resp.command_status)) setTimeout(release, BACK_OFF_MS);
        else release();
      };
      const fill = (): void => {
        if (finished) return;
        while (
          inFlight < window &&
          r.sent < options.maxMessages &&
          performance.now() < end &&
          (rate === undefined || performance.now() >= dueAt(r.sent))
        ) {
          inFlight++;
          const sentAt = performance.now();
          if (rate !== undefined) r.maxPacingLagMs = Math.max(r.maxPacingLagMs, sentAt - dueAt(r.sent));
          r.lastSubmitAt = sentAt;
          const destination = `${options.destinationPrefix}${String(r.sent++).padStart(7, "0")}`;
          const pdu = new smpp.PDU("submit_sm", {
            source_addr_ton: 5,
            source_addr_npi: 0,
            source_addr: options.sender,
            dest_addr_ton: 1,
            dest_addr_npi: 1,
            destination_addr: destination,
            registered_delivery: 1,
            data_coding: 0,
            short_message: TEXT,
          });
          if (!this.session.send(pdu, (resp) => answered(resp, sentAt))) {
            finish(new Error("the ESME session is not writable"));
            return;
          }
        }
        const more = r.sent < options.maxMessages && performance.now() < end;
        // Paced and not held by the window: wake up when the next submit is due (or the time is up).
        if (more && rate !== undefined && inFlight < window && paceTimer === undefined) {
          const wait = Math.min(dueAt(r.sent), end) - performance.now();
          paceTimer = setTimeout(
            () => {
              paceTimer = undefined;
              fill();
            },
            Math.max(0, wait),
          );
        }
        if (inFlight === 0 && !(more && rate !== undefined)) finish();
      };
      if (this.closedError) finish(this.closedError);
      else fill();
    });
  }

  private async drain(run: Run, maxMs: number, stallMs: number): Promise<void> {
    const deadline = performance.now() + maxMs;
    let last = run.result.receipts;
    let lastProgress = performance.now();
    while (run.awaiting.size > 0 && performance.now() < deadline && !this.closedError) {
      await new Promise((r) => setTimeout(r, 20));
      if (run.result.receipts !== last) {
        last = run.result.receipts;
        lastProgress = performance.now();
      } else if (performance.now() - lastProgress > stallMs) {
        return;
      }
    }
  }
}
