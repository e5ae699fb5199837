import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { inject, onTestFinished } from "vitest";
import type { SimulatorOptions } from "../../scripts/sim/carrier-simulator.js";
import { hashPassword } from "../../src/north/accounts/password-hash.js";
import { startCarrierSim } from "./carrier-sim.js";
import { waitUntil } from "./wait.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

export interface FixtureCarrier {
  id: string;
  port: number;
  countries?: string[];
  /** Extra YAML lines for the carrier file. */
  extra?: string;
}

export interface DaemonFixtureOptions {
  redisUrl: string;
  carriers: FixtureCarrier[];
  /** The routes: section of routes.yaml (defaults to one route per country, carriers in the given order). */
  routes?: string;
  dlrTimeoutSeconds?: number;
  /** Extra lines for otpgw.yaml. */
  settings?: string;
  rateLimit?: number;
  /** More keys of the fixture's account, as accounts.yaml lines (e.g. `reports_conversions: true`). */
  accountKeys?: string[];
  /** YAML lines of the account's `smpp:` block (indented under the account), when it binds over SMPP. */
  smppBlock?: string;
  /** `http.max_connections` (default: the daemon's). */
  httpMaxConnections?: number;
  /** `http.port` (default 0: any free port), for peers that must know it before the daemon starts. */
  httpPort?: number;
  /** More environment variables for the daemon (e.g. the secrets `settings` refers to). */
  env?: NodeJS.ProcessEnv;
  /** `smpp.tls`: a TLS listener on a free port with these PEM files. */
  smppTls?: { keyFile: string; certFile: string };
}

/** The account every fixture has: its API key, webhook secret, sender. */
export const FIXTURE_ACCOUNT = {
  id: "acme",
  apiKey: "test-key-0123456789abcdef",
  webhookSecret: "webhook-secret-0123456789",
  sender: "ACME",
};

/**
 * The `smpp:` block (for `smppBlock`) that lets the fixture account bind as an ESME with `password` from
 * `allowedIps`.
 */
export async function smppAccountBlock(password: string, allowedIps = ["127.0.0.0/8"]): Promise<string> {
  return [
    `system_id: ${FIXTURE_ACCOUNT.id}`,
    `password_hash: "${await hashPassword(password)}"`,
    `allowed_ips: [${allowedIps.map((ip) => JSON.stringify(ip)).join(", ")}]`,
  ].join("\n");
}

/**
 * A configuration tree for `otpgw start` (carriers, routes, accounts, settings on the test's Redis with a key
 * prefix of its own) and a way to run, kill and restart the daemon on it.
 */
export async function daemonFixture(options: DaemonFixtureOptions) {
  const dir = await mkdtemp(join(tmpdir(), "otpgw-daemon-"));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, "carriers"));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    ACCOUNT_ACME_WEBHOOK_SECRET: FIXTURE_ACCOUNT.webhookSecret,
    ...options.env,
  };
  for (const carrier of options.carriers) {
    const variable = `CARRIER_${carrier.id.toUpperCase().replace(/-/g, "_")}_PASSWORD`;
    env[variable] = "secret";
    await writeFile(
      join(dir, "carriers", `${carrier.id}.yaml`),
      [
        `id: ${carrier.id}`,
        "host: 127.0.0.1",
        `port: ${carrier.port}`,
        "system_id: otpgw",
        `password: \${${variable}}`,
        `countries: [${(carrier.countries ?? ["ID"]).join(", ")}]`,
        "window: 20",
        carrier.extra?.includes("throughput_per_second") ? "" : "throughput_per_second: 2000",
        "enquire_link_interval_ms: 2000",
        "reconnect: { min_delay_ms: 100, max_delay_ms: 1000 }",
        carrier.extra ?? "",
      ].join("\n"),
    );
  }
  const byCountry = new Map<string, string[]>();
  for (const c of options.carriers) {
    for (const country of c.countries ?? ["ID"])
      byCountry.set(country, [...(byCountry.get(country) ?? []), c.id]);
  }
  const routes =
    options.routes ??
    [...byCountry]
      .map(([country, ids], i) =>
        [
          `  - name: route-${i}`,
          `    match: { country: ${country} }`,
          "    carriers:",
          ...ids.map((id, j) => `      - { carrier: ${id}, weight: ${1000 ** (ids.length - j)} }`),
        ].join("\n"),
      )
      .join("\n");
  await writeFile(
    join(dir, "routes.yaml"),
    `defaults:\n  dlr_timeout_seconds: ${options.dlrTimeoutSeconds ?? 5}\n  validity_seconds: 300\nroutes:\n${routes}\n`,
  );
  const digest = createHash("sha256").update(FIXTURE_ACCOUNT.apiKey).digest("hex");
  await writeFile(
    join(dir, "accounts.yaml"),
    [
      "accounts:",
      `  - id: ${FIXTURE_ACCOUNT.id}`,
      `    api_keys: [sha256:${digest}]`,
      "    webhook_secret: ${ACCOUNT_ACME_WEBHOOK_SECRET}",
      `    senders: [${FIXTURE_ACCOUNT.sender}]`,
      `    rate_per_second: ${options.rateLimit ?? 10_000}`,
      ...(options.accountKeys ?? []).map((line) => `    ${line}`),
      ...(options.smppBlock ? ["    smpp:", ...options.smppBlock.split("\n").map((l) => `      ${l}`)] : []),
      "",
    ].join("\n"),
  );
  const prefix = `d${randomBytes(4).toString("hex")}:`;
  await writeFile(
    join(dir, "otpgw.yaml"),
    [
      "log_level: info",
      `redis_url: ${options.redisUrl}`,
      `redis_key_prefix: "${prefix}"`,
      `http: { host: 127.0.0.1, port: ${options.httpPort ?? 0}${options.httpMaxConnections ? `, max_connections: ${options.httpMaxConnections}` : ""} }`,
      "metrics: { host: 127.0.0.1, port: 0 }",
      options.smppTls
        ? `smpp: { host: 127.0.0.1, port: 0, tls: { port: 0, key_file: ${options.smppTls.keyFile}, cert_file: ${options.smppTls.certFile} } }`
        : "smpp: { host: 127.0.0.1, port: 0 }",
      "shutdown_timeout_ms: 3000",
      options.settings?.includes("webhook_private_addresses")
        ? ""
        : "webhook_private_addresses: allow # the tests' receivers listen on 127.0.0.1",
      "delivery: { timer_poll_ms: 20, timer_lease_ms: 3000, min_remaining_validity_seconds: 1 }",
      options.settings ?? "",
    ].join("\n"),
  );

  // Object.assign keeps the process's `ports` getter (a spread would copy its value at this moment).
  return Object.assign(daemonProcess(dir, env), {
    dir,
    prefix,
    /**
     * Another `otpgw start` on the same files and Redis prefix (a second instance of the deployment), with `extraEnv`
     * added to its environment; started by its own `start`.
     */
    another: (extraEnv: NodeJS.ProcessEnv = {}) => daemonProcess(dir, { ...env, ...extraEnv }),
  });
}

/** One `otpgw start` process on the configuration in `dir`: started, stopped and spoken to through these. */
function daemonProcess(dir: string, instanceEnv: NodeJS.ProcessEnv) {
  // Its own instance id, the same across its restarts (as a host name and port are): after a crash it finds its
  // bind-slot leases instead of waiting for them to expire.
  const env = { OTPGW_INSTANCE_ID: `fixture-${randomBytes(4).toString("hex")}`, ...instanceEnv };
  let child: ChildProcess | undefined;
  const logLines: string[] = [];
  type Ports = { http: number; metrics: number; smpp?: number; smppTls?: number };
  let ports: Ports | undefined;

  const start = async (): Promise<Ports> => {
    ports = undefined;
    const proc = spawn(process.execPath, [inject("otpgwCli"), "start", "--config", join(dir, "otpgw.yaml")], {
      cwd: repoRoot,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    let stderr = "";
    proc.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    createInterface({ input: proc.stdout }).on("line", (line) => {
      logLines.push(line);
      try {
        const entry = JSON.parse(line) as {
          msg?: string;
          httpPort?: number;
          metricsPort?: number;
          smppPort?: number;
          smppTlsPort?: number;
        };
        if (entry.msg === "otpgw started") {
          ports = {
            http: entry.httpPort!,
            metrics: entry.metricsPort!,
            ...(entry.smppPort ? { smpp: entry.smppPort } : {}),
            ...(entry.smppTlsPort ? { smppTls: entry.smppTlsPort } : {}),
          };
        }
      } catch {
        // not a log line
      }
    });
    await waitUntil(() => ports !== undefined || proc.exitCode !== null, 30_000, "the daemon to start");
    if (!ports) throw new Error(`otpgw exited with ${proc.exitCode}: ${stderr}`);
    return ports;
  };

  const stopWith = async (signal: NodeJS.Signals): Promise<number | null> => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return proc?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
    proc.kill(signal);
    return exited;
  };

  onTestFinished(async () => {
    await stopWith("SIGKILL");
  });

  const api = async (
    path: string,
    init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
  ) => {
    const response = await fetch(`http://127.0.0.1:${ports!.http}${path}`, {
      method: init.method ?? "GET",
      headers: {
        authorization: `Bearer ${FIXTURE_ACCOUNT.apiKey}`,
        ...(init.body !== undefined ? { "content-type": "application/json" } : {}),
        ...init.headers,
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    };
  };

  /** Waits until the daemon reports every carrier bound (its /healthz): before that, submits get 503. */
  const waitForBinds = async (timeoutMs = 15_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const health = (await (await fetch(`http://127.0.0.1:${ports!.metrics}/healthz`)).json()) as {
          detail: { carriers: { bound: number }[] };
        };
        if (health.detail.carriers.every((c) => c.bound > 0)) return;
      } catch {
        // not answering yet
      }
      if (Date.now() > deadline) throw new Error(`carriers not bound within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  return {
    waitForBinds,
    logLines,
    start,
    /** Sends `signal` to the running daemon (SIGHUP: reload). */
    signal: (signal: NodeJS.Signals) => void child?.kill(signal),
    /** SIGTERM: graceful; resolves with the exit code. */
    stop: () => stopWith("SIGTERM"),
    /** SIGKILL: a crash. */
    kill: () => stopWith("SIGKILL"),
    api,
    get ports() {
      return ports;
    },
  };
}

/** One carrier simulator and a started daemon bound to it as carrier `id-sim`: the setup many gateway tests share. */
export async function daemonWithSim(sim: SimulatorOptions, options: Omit<DaemonFixtureOptions, "carriers">) {
  const simulator = await startCarrierSim(sim);
  const daemon = await daemonFixture({ ...options, carriers: [{ id: "id-sim", port: simulator.port! }] });
  await daemon.start();
  await daemon.waitForBinds();
  return { sim: simulator, daemon };
}
