/**
 * What the ESME-driven benches put behind the ESME, started in one call and stopped in reverse order:
 *
 *   null relay:         simulator (own process) ← null relay (node-smpp forwarder, own process)
 *   durable null relay: private Redis ← simulator ← null relay storing as otpgw does (durable-steps.ts)
 *   otpgw:              private Redis ← simulator (own process) ← otpgw daemon (child process, SMPP listener on)
 *   otpgw (B):          the same with a daemon unlike A (an A/B comparison: another revision or settings)
 *
 * The simulator answers every submit at once; its receipts are DELIVRD 1–5 ms later, or never sent at all
 * (`receipts: "none"`: a carrier that keeps every receipt back, so messages stay awaiting one).
 */
import { startPrivateRedis, type PrivateRedis } from "../lib/private-redis.js";
import {
  BENCH_CARRIER_ACCOUNT,
  startBenchDaemon,
  type BenchDaemon,
  type DaemonVariant,
} from "./bench-daemon.js";
import type { EsmeCredentials } from "./esme-load.js";
import { startNullRelay } from "./null-relay-process.js";
import { benchSimConfig, startSimProcess } from "./sim-process.js";

export type RelayKind = "null relay" | "durable null relay" | "otpgw" | "otpgw (B)";

/** The account the ESME binds with (otpgw checks it; the null relay takes any). */
export const BENCH_ESME: EsmeCredentials & { sender: string } = {
  systemId: "bench",
  password: "bench123",
  sender: "BenchOTP",
};

/** otpgw's side: carrier binds × window, and its deliver_sm window towards the ESME (as the ESME's window). */
export const OTPGW_RELAY_SETTINGS = { binds: 2, carrierWindow: 50, receiptWindow: 100 } as const;

export interface RelayStackOptions {
  /** The simulator's receipts: DELIVRD 1–5 ms after the submit_sm_resp, or none ever. Default "prompt". */
  receipts?: "prompt" | "none";
  /** otpgw and the durable null relay: Redis's AOF fsync policy. Default "always" (durable). */
  appendfsync?: "always" | "everysec";
  /** otpgw only: the route's DLR timeout, in seconds. Default bench-daemon's (30). */
  dlrTimeoutSeconds?: number;
  /** otpgw only: carrier binds, their window, and the deliver_sm window. Default OTPGW_RELAY_SETTINGS. */
  binds?: number;
  carrierWindow?: number;
  receiptWindow?: number;
  /** otpgw only: run the daemon with `--cpu-prof`, its profile written here when it stops. */
  cpuProfileDir?: string;
  /** otpgw (B) only: how its daemon differs. */
  variant?: DaemonVariant;
}

export interface RelayStack {
  kind: RelayKind;
  /** The relay's SMPP port on 127.0.0.1, for BENCH_ESME. */
  port: number;
  pids: { relay: number; simulator: number };
  /** otpgw only. */
  daemon?: BenchDaemon;
  /** otpgw and the durable null relay. */
  redis?: PrivateRedis;
  /** Stops everything started, in reverse order, even if a step fails. Idempotent. */
  stop(): Promise<void>;
}

export async function startRelayStack(kind: RelayKind, options: RelayStackOptions = {}): Promise<RelayStack> {
  const cleanups: (() => Promise<void>)[] = [];
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    })());
  try {
    let redis: PrivateRedis | undefined;
    if (kind !== "null relay") {
      const fsync = (kind === "otpgw (B)" ? options.variant?.appendfsync : undefined) ?? options.appendfsync;
      const started = await startPrivateRedis({ appendfsync: fsync ?? "always" });
      cleanups.push(() => started.stop());
      redis = started;
    }
    const sim = await startSimProcess(benchSimConfig({ receipts: options.receipts ?? "prompt" }));
    cleanups.push(() => sim.stop());
    const simulator = sim.child.pid!;
    if (kind === "null relay" || kind === "durable null relay") {
      const relay = await startNullRelay({ port: sim.port, ...BENCH_CARRIER_ACCOUNT }, redis?.url);
      cleanups.push(() => relay.stop());
      return { kind, port: relay.port, pids: { relay: relay.pid, simulator }, ...(redis && { redis }), stop };
    }
    const b = kind === "otpgw (B)";
    const daemon = await startBenchDaemon({
      redisUrl: redis!.url, // started above for every kind but the null relay
      carrierPort: sim.port,
      binds: (b ? options.variant?.binds : undefined) ?? options.binds ?? OTPGW_RELAY_SETTINGS.binds,
      window:
        (b ? options.variant?.carrierWindow : undefined) ??
        options.carrierWindow ??
        OTPGW_RELAY_SETTINGS.carrierWindow,
      ...(options.dlrTimeoutSeconds !== undefined ? { dlrTimeoutSeconds: options.dlrTimeoutSeconds } : {}),
      ...(options.cpuProfileDir !== undefined ? { cpuProfileDir: options.cpuProfileDir } : {}),
      ...(kind === "otpgw (B)" && options.variant ? { variant: options.variant } : {}),
      smpp: {
        systemId: BENCH_ESME.systemId,
        password: BENCH_ESME.password,
        window: options.receiptWindow ?? OTPGW_RELAY_SETTINGS.receiptWindow,
      },
    });
    cleanups.push(() => daemon.stop());
    return {
      kind,
      port: daemon.smppPort!,
      pids: { relay: daemon.pid, simulator },
      daemon,
      redis,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
