/**
 * The otpgw daemon as the HTTP and SMPP benches run it: a configuration tree of its own in a temporary directory
 * (one carrier, one route, one account, limits set far above what the machine can do, so they are never what is
 * measured) and `otpgw start` in a child process. With `smpp` the account may also bind over SMPP and the
 * daemon's SMPP listener is on a free port; without it the listener is off.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { compiledCli } from "./compiled-daemon.js";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { hashPassword } from "../../src/north/accounts/password-hash.js";
import { freePorts } from "../lib/free-port.js";
import { terminate } from "../lib/terminate.js";

/** Child scripts are named relative to the repository, wherever the bench is started from. */
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

export interface BenchDaemonOptions {
  redisUrl: string;
  /** The simulated carrier's SMPP port on 127.0.0.1 (account otpgw / the password below). */
  carrierPort: number;
  /** Carrier binds. Default 2. */
  binds?: number;
  /** Window per bind. Default 50. */
  window?: number;
  /**
   * The route's `dlr_timeout_seconds`: a message without a receipt by then is rerouted. Default 30 (as
   * routes.yaml); longer when a run keeps receipts back on purpose.
   */
  dlrTimeoutSeconds?: number;
  /** Write a V8 CPU profile of the daemon into this directory when it exits (`node --cpu-prof`). */
  cpuProfileDir?: string;
  /** Let the account bind over SMPP with these credentials, on a listener of its own. Default: no SMPP. */
  smpp?: BenchSmppOptions;
  /** otpgw (B) of an A/B comparison: what differs from the suite's daemons. Default: none. */
  variant?: DaemonVariant;
}

/** A daemon unlike the suite's others: another source tree (compiled), other Node.js options, another batch delay. */
export interface DaemonVariant {
  /** A checkout of otpgw to compile and run instead of this one (compiled-daemon.ts checkoutRevision). */
  root?: string;
  /** Replace the suite's --node-options. */
  nodeOptions?: readonly string[];
  /** Replace the suite's --redis-batch-delay-ms. */
  redisBatchDelayMs?: number;
  /** Its Redis's AOF fsync policy instead of the suite's --fsync (read by relay-stack.ts, which starts Redis). */
  appendfsync?: "always" | "everysec";
  /** Carrier binds and their window instead of the scenario's (read by relay-stack.ts). */
  binds?: number;
  carrierWindow?: number;
}

export interface BenchSmppOptions {
  systemId: string;
  /** At most 8 characters (SMPP 3.4); stored in accounts.yaml as a scrypt hash. */
  password: string;
  /** Our deliver_sm (receipts) outstanding per ESME session (`smpp.window`). Default: the daemon's (10). */
  window?: number;
}

/** The simulated carrier's credentials, for the simulator's config. */
export const BENCH_CARRIER_ACCOUNT = { systemId: "otpgw", password: "bench" };

/** What the load generator needs to submit. */
export interface BenchAccount {
  apiKey: string;
  webhookSecret: string;
  sender: string;
}

export interface BenchDaemon {
  child: ChildProcess;
  pid: number;
  httpPort: number;
  metricsPort: number;
  /** The SMPP listener's port on 127.0.0.1, when `smpp` was given. */
  smppPort?: number;
  account: BenchAccount;
  /** SIGTERM (a graceful stop: the CPU profile, if any, is written), bounded; then SIGKILL. Idempotent. */
  stop(): Promise<void>;
}

async function writeConfigTree(
  dir: string,
  options: BenchDaemonOptions,
  ports: { http: number; metrics: number; smpp?: number },
  account: BenchAccount,
): Promise<string> {
  await mkdir(join(dir, "carriers"));
  await writeFile(
    join(dir, "carriers", "bench.yaml"),
    [
      "id: bench",
      "host: 127.0.0.1",
      `port: ${options.carrierPort}`,
      `system_id: ${BENCH_CARRIER_ACCOUNT.systemId}`,
      "password: ${CARRIER_BENCH_PASSWORD}",
      "countries: [ID]",
      `binds: ${options.binds ?? 2}`,
      `window: ${options.window ?? 50}`,
      // The per-bind cap is not what is measured: the most the schema allows.
      "throughput_per_second: 10000",
      "reconnect: { min_delay_ms: 100, max_delay_ms: 1000 }",
      "",
    ].join("\n"),
  );
  await writeFile(
    join(dir, "routes.yaml"),
    [
      "defaults:",
      `  dlr_timeout_seconds: ${options.dlrTimeoutSeconds ?? 30}`,
      "  validity_seconds: 300",
      "routes:",
      "  - name: indonesia",
      "    match: { country: ID }",
      "    carriers:",
      "      - { carrier: bench }",
      "",
    ].join("\n"),
  );
  const digest = createHash("sha256").update(account.apiKey).digest("hex");
  await writeFile(
    join(dir, "accounts.yaml"),
    [
      "accounts:",
      "  - id: bench",
      `    api_keys: [sha256:${digest}]`,
      "    webhook_secret: ${ACCOUNT_BENCH_WEBHOOK_SECRET}",
      `    senders: [${account.sender}]`,
      // The most the schema allows: the account's rate is not what is measured.
      "    rate_per_second: 100000",
      ...(options.smpp
        ? [
            "    smpp:",
            `      system_id: ${options.smpp.systemId}`,
            `      password_hash: "${await hashPassword(options.smpp.password)}"`,
            '      allowed_ips: ["127.0.0.0/8"]',
          ]
        : []),
      "",
    ].join("\n"),
  );
  const file = join(dir, "otpgw.yaml");
  await writeFile(
    file,
    [
      "log_level: warn",
      `redis_url: ${options.redisUrl}`,
      `redis_key_prefix: "bench${randomBytes(3).toString("hex")}:"`,
      `redis_batch_delay_ms: ${options.variant?.redisBatchDelayMs ?? batchDelayMs}`,
      `http: { host: 127.0.0.1, port: ${ports.http} }`,
      `metrics: { host: 127.0.0.1, port: ${ports.metrics} }`,
      ports.smpp === undefined
        ? "smpp: { enabled: false }"
        : `smpp: { host: 127.0.0.1, port: ${ports.smpp}${options.smpp?.window ? `, window: ${options.smpp.window}` : ""} }`,
      "shutdown_timeout_ms: 5000",
      // The http scenario's webhook sink listens on 127.0.0.1; the SMPP scenarios send no webhook and leave the key out
      // (a revision from before it, built for --ab-rev, would refuse it).
      options.smpp ? "" : "webhook_private_addresses: allow",
      "",
    ].join("\n"),
  );
  return file;
}

interface Health {
  detail?: { ready?: boolean; carriers?: { bound: number }[] };
}

/** Waits until the daemon is ready and every carrier bind is up (else a submit would be answered 503). */
async function waitUntilServing(
  child: ChildProcess,
  metricsPort: number,
  binds: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`otpgw exited during start-up (${child.exitCode ?? child.signalCode})`);
    }
    try {
      const response = await fetch(`http://127.0.0.1:${metricsPort}/healthz`);
      const health = (await response.json()) as Health;
      const bound = (health.detail?.carriers ?? []).reduce((sum, c) => sum + c.bound, 0);
      if (health.detail?.ready === true && bound >= binds) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`otpgw was not serving within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** redis_batch_delay_ms of every daemon started after this (the suite's `--redis-batch-delay-ms`). */
let batchDelayMs = 0;

export function setDaemonBatchDelayMs(ms: number): void {
  batchDelayMs = ms;
}

/** Extra Node.js options for every daemon started after this (the suite's `--node-options`). */
let extraNodeOptions: readonly string[] = [];

export function setDaemonNodeOptions(options: readonly string[]): void {
  extraNodeOptions = [...options];
}

/** Writes the configuration tree, starts `otpgw start` and resolves once it serves. */
export async function startBenchDaemon(options: BenchDaemonOptions): Promise<BenchDaemon> {
  const dir = await mkdtemp(join(tmpdir(), "otpgw-bench-daemon-"));
  const account: BenchAccount = {
    apiKey: randomBytes(24).toString("hex"),
    webhookSecret: randomBytes(24).toString("hex"),
    sender: "BenchOTP",
  };
  const [http, metrics, smpp] = await freePorts(3);
  const ports = { http: http!, metrics: metrics!, ...(options.smpp ? { smpp: smpp! } : {}) };
  const configFile = await writeConfigTree(dir, options, ports, account);
  const nodeFlags = options.cpuProfileDir
    ? ["--cpu-prof", "--cpu-prof-dir", resolve(options.cpuProfileDir)]
    : [];
  const child = spawn(
    process.execPath,
    [
      ...nodeFlags,
      ...(options.variant?.nodeOptions ?? extraNodeOptions),
      compiledCli(options.variant?.root ?? repoRoot),
      "start",
      "--config",
      configFile,
    ],
    {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH,
        CARRIER_BENCH_PASSWORD: BENCH_CARRIER_ACCOUNT.password,
        ACCOUNT_BENCH_WEBHOOK_SECRET: account.webhookSecret,
      },
      // Warnings and errors only (log_level warn): pass them through, they explain a bad run.
      stdio: ["ignore", "inherit", "inherit"],
    },
  );
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      await terminate(child, 15_000);
      await rm(dir, { recursive: true, force: true });
    })());
  try {
    await waitUntilServing(child, ports.metrics, options.binds ?? 2, 30_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    child,
    pid: child.pid!,
    httpPort: ports.http,
    metricsPort: ports.metrics,
    ...(ports.smpp !== undefined ? { smppPort: ports.smpp } : {}),
    account,
    stop,
  };
}
