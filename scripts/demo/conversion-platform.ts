/**
 * The demo's "platform": the login service behind the demo's account, whose people use their codes. It watches the
 * final webhooks; for each delivered message it decides, as CONVERSIONS in scenario.ts says, whether the person
 * got the code (not when the lying carrier's DELIVRD was false) and used it — never for the pumping attack's range
 * walk, whose numbers are the fraudster's, and reports each use to otpgw
 * (POST /v1/messages/{id}/conversion) after a short delay, retrying 429 / 503 and network errors within a bound
 * like a well-behaved client. What it did is recorded for the checks; the summary's figures come from otpgw.
 */
import type { AttemptView } from "../../src/north/message-view.js";
import type { WebhookPayload } from "../../src/north/webhook/webhook-payload.js";
import type { ApiClient } from "./api-client.js";
import type { CONVERSIONS } from "./scenario.js";

export type ConversionPlan = typeof CONVERSIONS;

/**
 * What became of one delivered message's code: `never-arrived` when the lying carrier's DELIVRD was false (the code
 * never reached the handset), `not-used`, or `used` and reported `afterMs` later.
 */
export type PersonOutcome =
  { kind: "never-arrived" } | { kind: "not-used" } | { kind: "used"; afterMs: number };

export interface ConversionReport {
  id: string;
  /** The carrier (SMS) or channel otpgw credits with the delivery. */
  deliveredBy: string;
  /** The last answer's HTTP status; 0 when every try failed on the network. */
  status: number;
  tries: number;
}

/** What the platform did, per carrier or channel that delivered. */
export interface PlatformCounts {
  delivered: number;
  /** Delivered to the pumping attack's numbers: nobody there uses a code. */
  pumped: number;
  neverArrived: number;
  notUsed: number;
  used: number;
}

/** Longest the platform keeps retrying one report (429, 503, network errors) before it records the failure. */
const GIVE_UP_AFTER_MS = 5000;
/** Retry-After is whole seconds; the demo waits at most this long per retry to keep the run short. */
const MAX_RETRY_WAIT_MS = 500;

/**
 * The carrier (SMS) or channel whose attempt delivered a message, as otpgw credits a conversion: the attempt that
 * ended delivered, else an SMS attempt a late DELIVRD receipt proved delivered.
 */
export function deliveredBy(attempts: readonly AttemptView[]): string | undefined {
  const attempt =
    attempts.find((a) => a.outcome === "delivered") ??
    attempts.find((a) => a.channel === "sms" && a.late_receipts.some((r) => r.stat === "DELIVRD"));
  if (!attempt) return undefined;
  return attempt.channel === "sms" ? attempt.carrier : attempt.channel;
}

/** The people: what each does with a delivered code. Pure but for the injected `rng`. */
export class People {
  readonly #plan: ConversionPlan;
  readonly #rng: () => number;
  /** Deliveries credited to the lying carrier so far: its lies are spread evenly over them. */
  #liarDeliveries = 0;

  constructor(plan: ConversionPlan, rng: () => number) {
    this.#plan = plan;
    this.#rng = rng;
  }

  /** What the person does with the code of a message delivered by `by` (a carrier or a channel). */
  outcome(by: string): PersonOutcome {
    const plan = this.#plan;
    if (by === plan.lyingCarrier) {
      const k = ++this.#liarDeliveries;
      // The k-th delivery is a lie when it completes another whole lie of the share: exactly the share, evenly.
      if (Math.floor(k * plan.neverArrivedShare) > Math.floor((k - 1) * plan.neverArrivedShare))
        return { kind: "never-arrived" };
    }
    if (this.#rng() >= plan.useShare) return { kind: "not-used" };
    const { min, max } = plan.delayMs;
    return { kind: "used", afterMs: min + (max - min) * this.#rng() };
  }
}

export class ConversionPlatform {
  readonly reports: ConversionReport[] = [];
  /** By the carrier or channel that delivered. */
  readonly counts = new Map<string, PlatformCounts>();
  readonly #client: ApiClient;
  readonly #people: People;
  readonly #pending = new Set<Promise<void>>();
  /** Waits in progress: close() ends them at once. */
  readonly #waits = new Map<NodeJS.Timeout, () => void>();
  #closed = false;

  readonly #pumped: (clientRef: string | null) => boolean;

  /** `pumped`: whether a message (by its client_ref) went to a number of the pumping attack: never converted. */
  constructor(options: {
    client: ApiClient;
    plan: ConversionPlan;
    pumped?: (clientRef: string | null) => boolean;
    rng?: () => number;
  }) {
    this.#client = options.client;
    this.#people = new People(options.plan, options.rng ?? Math.random);
    this.#pumped = options.pumped ?? (() => false);
  }

  /** The webhook receiver's `onFinal`: called once per message. */
  onFinal(payload: WebhookPayload): void {
    if (this.#closed || payload.state !== "delivered") return;
    const by = deliveredBy(payload.attempts) ?? "none";
    const counts = this.counts.get(by) ?? { delivered: 0, pumped: 0, neverArrived: 0, notUsed: 0, used: 0 };
    this.counts.set(by, counts);
    counts.delivered++;
    if (this.#pumped(payload.client_ref)) {
      counts.pumped++;
      return;
    }
    const outcome = this.#people.outcome(by);
    if (outcome.kind === "never-arrived") counts.neverArrived++;
    else if (outcome.kind === "not-used") counts.notUsed++;
    else {
      counts.used++;
      const report = this.#wait(outcome.afterMs).then(() => this.#report(payload.id, by));
      this.#pending.add(report);
      void report.finally(() => this.#pending.delete(report));
    }
  }

  /** Resolves once every report decided so far has been answered (or given up on). */
  async settle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  /** Stops: no new reports, waits cut short (their reports are skipped). Idempotent. */
  close(): void {
    this.#closed = true;
    for (const [timer, resolve] of this.#waits) {
      clearTimeout(timer);
      resolve();
    }
    this.#waits.clear();
  }

  async #report(id: string, by: string): Promise<void> {
    if (this.#closed) return;
    const started = Date.now();
    let status = 0;
    for (let tries = 1; ; tries++) {
      let waitMs: number;
      try {
        const answer = await this.#client.convert(id);
        status = answer.status;
        if (status !== 429 && status !== 503) {
          this.reports.push({ id, deliveredBy: by, status, tries });
          return;
        }
        waitMs = Math.min(MAX_RETRY_WAIT_MS, Math.max(100, answer.retryAfterSeconds * 1000));
      } catch {
        waitMs = 200;
      }
      if (this.#closed || Date.now() + waitMs - started > GIVE_UP_AFTER_MS) {
        this.reports.push({ id, deliveredBy: by, status, tries });
        return;
      }
      await this.#wait(waitMs);
    }
  }

  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waits.delete(timer);
        resolve();
      }, ms);
      this.#waits.set(timer, resolve);
    });
  }
}
