import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { ErrorCodes, OtpgwError } from "../errors.js";
import { LogThrottle } from "../observability/log-throttle.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import { monotonicNow } from "../smpp/session/monotonic-clock.js";
import {
  FORGET_SCRIPT,
  PROBE_SCRIPT,
  RELEASE_SCRIPT,
  SlotState,
  TICK_SCRIPT,
  carrierKeys,
  instanceKey,
  slotKey,
  type SlotStateCode,
} from "./bind-slots-scripts.js";
import { LeaseTiming } from "./lease-timing.js";

/** Default lease of a bind slot: long enough to ride out a short Redis outage, short enough after a crash. */
export const DEFAULT_SLOT_LEASE_MS = 15_000;
/** Shortest lease allowed: the loss margins below must fit inside it after a renewal period. */
export const MIN_SLOT_LEASE_MS = 6_000;
/** Longest a shutdown waits for the leases' release (Redis unreachable: they expire on their own). */
const RELEASE_TIMEOUT_MS = 2_000;
/** Renewal period (at most a third of the lease): any outage under ~lease − margin − this (~10 s) drops nothing. */
const RENEW_MS = 2_000;
/** After a failed renewal, try again this soon (not a whole renewal period later). */
const RETRY_MS = 1_000;

/** A carrier's binds as the lease manager drives them (CarrierPool). */
export interface SlotHolder {
  readonly id: string;
  /** The carrier's configured `binds`: its slots are 0..slotCount-1. */
  readonly slotCount: number;
  /** Opens the bind(s) of `slot` (the transmitter and receiver of that index, or its transceiver). */
  openSlot(slot: number): void;
  /** Drains and unbinds `slot` within `withinMs` (a later call may hasten it); `moved`: its lease goes to another instance. */
  closeSlot(slot: number, withinMs: number, moved: boolean): Promise<void>;
}

export interface BindSlotsOptions {
  redis: Redis;
  /** The daemon's Redis key prefix. */
  prefix: string;
  /** This instance's token (see instanceId): stable across a restart, so a restarted instance finds its leases. */
  token: string;
  logger: Logger;
  metrics?: Metrics;
  /** How long a slot's lease lasts without renewal (default 15 s); renewed every third of it. */
  leaseMs?: number;
  /** Monotonic ms (default performance.now) for the local renewal and loss timing; lease times are Redis's TIME. */
  clock?: () => number;
}

type Local = "idle" | "open" | "closing";

interface Carrier {
  holder: SlotHolder;
  local: Local[];
  /** The last tick's answer for each slot. */
  seen: SlotStateCode[];
}

/**
 * Leases each carrier's bind slots to instances through Redis, so that the carrier's bind count and throughput cap
 * (per bind) hold across every instance sharing the Redis. An instance opens a slot's bind only while it holds that
 * slot's lease. Slot k prefers the live instance of rank k mod n (tokens sorted) among those serving the carrier: an
 * instance holding a slot that now belongs to another drains the bind and releases the lease, and the owner takes it
 * at its next tick; a slot nobody took for two renewal periods goes to whoever asks. Every renewal period one script
 * call does a tick's work for every carrier. When renewals keep failing (Redis unreachable), the binds close before
 * the leases could expire, so another instance taking a slot after the expiry never binds beside this one.
 */
export class BindSlots {
  private readonly options: BindSlotsOptions;
  private readonly carriers = new Map<string, Carrier>();
  private readonly clock: () => number;
  readonly leaseMs: number;
  private readonly renewMs: number;
  private timer: NodeJS.Timeout | undefined;
  /** Every lease we hold lasts at least `leaseMs` from the last successful tick (as sent). */
  private readonly lease: LeaseTiming;
  private acquiring = true;
  private stopped = false;
  private inFlight: Promise<void> | undefined;
  private readonly failedLog: LogThrottle;
  /** This process, among those that may run under the token (see `duplicate`). */
  private readonly nonce = randomBytes(8).toString("hex");

  constructor(options: BindSlotsOptions) {
    this.options = options;
    this.clock = options.clock ?? monotonicNow;
    this.failedLog = new LogThrottle(10_000, this.clock);
    this.leaseMs = Math.max(options.leaseMs ?? DEFAULT_SLOT_LEASE_MS, MIN_SLOT_LEASE_MS);
    this.renewMs = Math.min(RENEW_MS, Math.floor(this.leaseMs / 3));
    this.lease = new LeaseTiming({
      leaseMs: this.leaseMs,
      clock: this.clock,
      onLoss: () => this.renewalsFailed(),
    });
  }

  get token(): string {
    return this.options.token;
  }

  register(holder: SlotHolder): void {
    this.carriers.set(holder.id, {
      holder,
      local: Array.from({ length: holder.slotCount }, () => "idle"),
      seen: Array.from({ length: holder.slotCount }, () => SlotState.free),
    });
  }

  /** Slots of the carrier whose lease this instance holds (as of its last tick). */
  held(carrierId: string): number {
    const carrier = this.carriers.get(carrierId);
    return carrier ? carrier.local.filter((l) => l === "open").length : 0;
  }

  /** False once the leases may have run out: a process paused past it (a stall) writes nothing before the loss timer. */
  mayWrite(): boolean {
    return this.lease.mayWrite();
  }

  /** Whether another instance holds a slot of the carrier (as of the last tick): its messages can go out there. */
  heldElsewhere(carrierId: string): boolean {
    return this.carriers.get(carrierId)?.seen.includes(SlotState.other) ?? false;
  }

  /**
   * The first tick: takes this instance's slots (all of them when it is alone). Throws when Redis cannot answer, or
   * when another running instance uses this instance's token: a process that ticked under it within the last renewal
   * period is either this instance's predecessor, just crashed, or such a duplicate — start-up waits until it would
   * have ticked again, and refuses to run if it did.
   */
  async start(): Promise<void> {
    const key = instanceKey(this.options.prefix, this.token);
    const probe = async (): Promise<[string, number]> => {
      const [value, now] = (await this.options.redis.eval(PROBE_SCRIPT, 1, key)) as [string, string];
      return [value, Number(now) - Number(value.split(":")[1] ?? 0)];
    };
    const [seen, age] = await probe();
    const waitMs = this.renewMs + RETRY_MS - age;
    if (seen !== "" && waitMs > 0) {
      this.options.logger.info(
        { instanceId: this.token, waitMs },
        "instance id used moments ago: checking it is not in use",
      );
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      const [now] = await probe();
      if (now !== seen) {
        throw new OtpgwError(
          ErrorCodes.CONFIG_INVALID,
          `another running instance uses instance id ${this.token}: give each instance its own OTPGW_INSTANCE_ID (instance_id)`,
        );
      }
    }
    await this.tick(true);
  }

  /** A tick now rather than at the next renewal (tests drive the fleet's ticks in a chosen order). */
  tickNow(): Promise<void> {
    return this.inFlight ?? this.tick(false);
  }

  /** Shutting down: takes no slot any more and withdraws the announcement; held slots are still renewed. */
  stopAcquiring(): void {
    this.acquiring = false;
  }

  /**
   * Stops renewing and releases every lease this instance holds and its announcement, so another instance (or this
   * one restarted) binds at once. Call it after the binds closed. Never throws.
   */
  async close(timeoutMs = RELEASE_TIMEOUT_MS): Promise<void> {
    if (this.stopped) return;
    this.acquiring = false;
    this.stopped = true;
    clearTimeout(this.timer);
    this.lease.stop();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), timeoutMs)));
    try {
      const released = await Promise.race([this.releaseAll(), late]);
      if (released === "late") throw new Error(`no answer within ${timeoutMs} ms`);
      this.options.logger.info({ released }, "bind slots released at shutdown");
    } catch (error) {
      this.options.logger.warn(
        { err: (error as Error).message },
        "bind slots not released (Redis unreachable): they expire on their own",
      );
    } finally {
      clearTimeout(timer);
    }
    for (const carrier of this.carriers.values()) {
      carrier.local.fill("idle");
      this.gauge(carrier);
    }
  }

  /** Releases every lease of this instance and its announcement, once a tick under way has ended. */
  private async releaseAll(): Promise<unknown> {
    await this.inFlight?.catch(() => undefined);
    const slots: string[] = [];
    const members: string[] = [];
    for (const { holder } of this.carriers.values()) {
      for (let k = 0; k < holder.slotCount; k++) slots.push(slotKey(this.options.prefix, holder.id, k));
      members.push(...carrierKeys(this.options.prefix, holder.id, 0));
    }
    const { redis } = this.options;
    const released = await redis.eval(
      RELEASE_SCRIPT,
      slots.length + members.length,
      ...slots,
      ...members,
      this.token,
      slots.length,
    );
    // A restart under the same id need not wait to tell this process from a duplicate.
    await redis.eval(FORGET_SCRIPT, 1, instanceKey(this.options.prefix, this.token), this.nonce);
    return released;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(false).catch(() => undefined), delayMs);
    this.timer.unref();
  }

  /** One tick: renews, takes and yields slots in one script call and acts on the answer. */
  private async tick(first: boolean): Promise<void> {
    if (this.inFlight) return;
    const sentAt = this.clock();
    const keys = [instanceKey(this.options.prefix, this.token)];
    const args: (string | number)[] = [this.token, this.leaseMs, 2 * this.renewMs, this.acquiring ? 1 : 0];
    args.push(this.carriers.size, this.nonce);
    for (const { holder } of this.carriers.values()) {
      keys.push(...carrierKeys(this.options.prefix, holder.id, holder.slotCount));
      args.push(holder.slotCount);
    }
    let timeout: NodeJS.Timeout | undefined;
    const call = Promise.race([
      this.options.redis.eval(TICK_SCRIPT, keys.length, ...keys, ...args) as Promise<string[]>,
      new Promise<never>((_, reject) => {
        timeout = setTimeout(() => reject(new Error("no answer within a renewal period")), this.renewMs);
      }),
    ]);
    const done = call.then(
      ([previous = "", ...answer]) => {
        // After our own first tick, only this process writes its nonce under the token: another one did.
        // (An instance key expired during a long outage reads "".)
        if (!first && previous !== "" && previous.split(":")[0] !== this.nonce) return this.duplicate();
        this.lease.renewed(sentAt);
        this.apply(answer);
        this.schedule(this.renewMs);
      },
      (error: unknown) => {
        if (first) throw error;
        this.schedule(Math.min(RETRY_MS, this.renewMs));
        this.failedLog.warn(
          this.options.logger,
          "",
          { err: (error as Error).message, sinceRenewalMs: this.lease.sinceRenewalMs() },
          "bind slot renewal failed; retrying (the binds close before their leases could expire)",
        );
      },
    );
    this.inFlight = done.finally(() => {
      clearTimeout(timeout);
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /**
   * Another running process uses this instance's token: both would think they hold its slots. This one closes its binds
   * at once and stops renewing without releasing anything (a release could let a third instance bind beside the other
   * one, which still has its binds open): the other notices at its next tick (this one's nonce is the last written) and
   * does the same, and the slots go to other instances when the leases expire.
   */
  private duplicate(): void {
    this.options.logger.error(
      { code: ErrorCodes.CONFIG_INVALID, instanceId: this.token },
      "another running instance uses this instance id: this one gives up its carrier binds until restarted; give each instance its own OTPGW_INSTANCE_ID",
    );
    this.stopped = true;
    clearTimeout(this.timer);
    this.lease.stop();
    for (const carrier of this.carriers.values()) {
      carrier.local.forEach((local, slot) => void (local !== "idle" && this.closeBinds(carrier, slot, 0)));
      carrier.seen.fill(SlotState.free);
    }
  }

  /** Renewals failed for close to the lease: close every open slot before its lease can expire. */
  private renewalsFailed(): void {
    for (const carrier of this.carriers.values()) {
      carrier.local.forEach((local, slot) => {
        if (local === "idle") return;
        this.options.logger.error(
          { carrier: carrier.holder.id, slot, sinceRenewalMs: this.lease.sinceRenewalMs() },
          "bind slot lost: its lease could not be renewed (Redis unreachable); closing its bind before the lease expires",
        );
        void this.closeBinds(carrier, slot, this.lease.closeWithinMs());
      });
      carrier.seen.fill(SlotState.free);
    }
  }

  private apply(answer: string[]): void {
    let i = 0;
    for (const carrier of this.carriers.values()) {
      const states = answer[i++] ?? "";
      const { holder } = carrier;
      for (let slot = 0; slot < holder.slotCount; slot++) {
        const state = (states[slot] ?? SlotState.free) as SlotStateCode;
        carrier.seen[slot] = state;
        const local = carrier.local[slot];
        const log = { carrier: holder.id, slot };
        if (state === SlotState.held || state === SlotState.taken) {
          if (local !== "idle") continue;
          carrier.local[slot] = "open";
          this.options.logger.info(
            log,
            state === SlotState.taken
              ? "bind slot taken"
              : "bind slot reclaimed (its lease was this instance's)",
          );
          holder.openSlot(slot);
        } else if (state === SlotState.yield) {
          if (local === "closing") continue;
          this.options.logger.info(
            log,
            "bind slot handed over to another instance (fair share): draining its bind",
          );
          void this.closeBinds(carrier, slot, this.renewMs * 2, true);
        } else if (local !== "idle") {
          this.options.logger.error(log, "bind slot lost: another instance holds it or its lease expired");
          void this.closeBinds(carrier, slot, 0);
        }
      }
      this.gauge(carrier);
    }
  }

  /**
   * Closes a slot's bind within `withinMs` (hastening a close under way) and, with `release`, then gives its lease up;
   * the slot is idle (may open again) only after both.
   */
  private async closeBinds(carrier: Carrier, slot: number, withinMs: number, release = false): Promise<void> {
    carrier.local[slot] = "closing";
    this.gauge(carrier);
    try {
      await carrier.holder.closeSlot(slot, withinMs, release);
      if (release) await this.release(carrier.holder, slot);
    } finally {
      carrier.local[slot] = "idle";
    }
  }

  /** Gives up one drained slot's lease at once, so its new owner need not wait for the next renewal. */
  private async release(holder: SlotHolder, slot: number): Promise<void> {
    try {
      await this.options.redis.eval(
        RELEASE_SCRIPT,
        1,
        slotKey(this.options.prefix, holder.id, slot),
        this.token,
        1,
      );
      this.options.logger.info({ carrier: holder.id, slot }, "bind slot released");
    } catch (error) {
      this.options.logger.warn(
        { carrier: holder.id, slot, err: (error as Error).message },
        "bind slot not released (Redis unreachable): its lease expires on its own",
      );
    }
  }

  private gauge(carrier: Carrier): void {
    this.options.metrics?.bindSlotsHeld.set(
      { carrier: carrier.holder.id },
      carrier.local.filter((l) => l === "open").length,
    );
  }
}
