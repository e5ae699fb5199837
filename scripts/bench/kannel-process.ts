/**
 * Kannel, the incumbent gateway, as the bench runs it: bearerbox (an SMPP transceiver towards the carrier,
 * messages kept in its file store until the carrier answers) and smsbox (the sendsms HTTP interface), each a
 * process of its own on 127.0.0.1, with their configuration, store and logs in a temporary directory.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePorts, isListening } from "../lib/free-port.js";
import { ensureDebianPackage } from "../lib/system-package.js";
import { terminate } from "../lib/terminate.js";

/** Installs Kannel (Debian package `kannel`) when missing: as root with apt-get, else says what to run. */
export function ensureKannel(): void {
  ensureDebianPackage(
    "kannel",
    () => spawnSync("bearerbox", ["--version"], { stdio: "ignore" }).error === undefined,
  );
}

export interface KannelOptions {
  /** The carrier's SMPP endpoint on 127.0.0.1. */
  smsc: { port: number; systemId: string; password: string };
  /** submit_sm outstanding on the SMPP link at most (`max-pending-submits`). */
  window: number;
  /**
   * SMS one sendsms request may be split into (`max-messages`; over 1, the parts are concatenated with a UDH).
   * Default 1: the bench's messages fit one SMS.
   */
  maxParts?: number;
}

export interface KannelProcess {
  bearerboxPid: number;
  smsboxPid: number;
  /** smsbox's sendsms HTTP port on 127.0.0.1. */
  sendsmsPort: number;
  /** The sendsms-user the load authenticates as. */
  user: { username: string; password: string };
  /** Stops smsbox, then bearerbox (SIGTERM, SIGKILL after 5 s), and deletes the directory. Idempotent. */
  stop(): Promise<void>;
}

const SENDSMS_USER = { username: "bench", password: "benchpw" };
const ADMIN_PASSWORD = "benchadmin";
/** Kannel's levels: 0 debug, 1 info, 2 warning, 3 error, 4 panic. Warnings up go to the log files. */
const LOG_LEVEL_WARNING = 2;
/** bearerbox's start-up (store load, SMPP bind) takes about a second; far more means it is wedged. */
const START_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5000;

function config(dir: string, options: KannelOptions, ports: Record<string, number>): string {
  return `
group = core
admin-port = ${ports.admin}
admin-password = ${ADMIN_PASSWORD}
admin-interface = 127.0.0.1
smsbox-port = ${ports.smsbox}
smsbox-interface = 127.0.0.1
box-allow-ip = 127.0.0.1
log-file = "${dir}/bearerbox.log"
log-level = ${LOG_LEVEL_WARNING}
dlr-storage = internal
store-type = file
store-location = "${dir}/store"

group = smsc
smsc = smpp
smsc-id = bench
host = 127.0.0.1
port = ${options.smsc.port}
transceiver-mode = true
smsc-username = "${options.smsc.systemId}"
smsc-password = "${options.smsc.password}"
system-type = ""
interface-version = 34
enquire-link-interval = 30
max-pending-submits = ${options.window}
reconnect-delay = 1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = ${ports.smsbox}
sendsms-port = ${ports.sendsms}
sendsms-interface = 127.0.0.1
log-file = "${dir}/smsbox.log"
log-level = ${LOG_LEVEL_WARNING}

group = sendsms-user
username = ${SENDSMS_USER.username}
password = ${SENDSMS_USER.password}
max-messages = ${options.maxParts ?? 1}${(options.maxParts ?? 1) > 1 ? "\nconcatenation = true" : ""}

group = sms-service
keyword = default
text = "no service"
`;
}

/** bearerbox's status page, or "" while it does not answer. */
async function status(adminPort: number): Promise<string> {
  try {
    const response = await fetch(`http://127.0.0.1:${adminPort}/status.txt?password=${ADMIN_PASSWORD}`);
    return await response.text();
  } catch {
    return "";
  }
}

/** Serving: smsbox connected to bearerbox and the SMPP link bound ("online" in the SMSC section). */
function serving(page: string): boolean {
  const smscSection = page.slice(page.indexOf("SMSC connections:"));
  return page.includes("SMSC connections:") && /smsbox/.test(page) && /\(online /.test(smscSection);
}

/** The last lines of the log files, to explain a failed start. */
async function logTail(dir: string): Promise<string> {
  const tails: string[] = [];
  for (const name of ["bearerbox.log", "bearerbox.out", "smsbox.log", "smsbox.out"]) {
    const text = await readFile(join(dir, name), "utf8").catch(() => "");
    const lines = text.trim().split("\n").slice(-5).join("\n");
    if (lines) tails.push(`${name}:\n${lines}`);
  }
  return tails.join("\n");
}

/** Writes the configuration, starts bearerbox then smsbox, and resolves once sendsms can be served. */
export async function startKannel(options: KannelOptions): Promise<KannelProcess> {
  ensureKannel();
  const dir = await mkdtemp(join(tmpdir(), "otpgw-bench-kannel-"));
  const [admin, smsbox, sendsms] = await freePorts(3);
  const ports = { admin: admin!, smsbox: smsbox!, sendsms: sendsms! };
  const file = join(dir, "kannel.conf");
  const children: ChildProcess[] = [];
  const start = (binary: "bearerbox" | "smsbox"): ChildProcess => {
    // Standard error holds what comes before the log file is open (a bad configuration): kept beside it.
    const out = openSync(join(dir, `${binary}.out`), "a");
    try {
      // -v 4: panics only on standard error; the log file gets warnings (log-level above).
      const child = spawn(binary, ["-v", "4", file], { stdio: ["ignore", out, out] });
      children.push(child);
      return child;
    } finally {
      closeSync(out);
    }
  };
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      for (const child of [...children].reverse()) await terminate(child, STOP_GRACE_MS);
      await rm(dir, { recursive: true, force: true });
    })());

  const waitFor = async (what: string, ready: () => Promise<boolean>): Promise<void> => {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await ready())) {
      const dead = children.find((c) => c.exitCode !== null || c.signalCode !== null);
      if (dead || Date.now() > deadline) {
        const why = dead ? `${dead.spawnfile} exited (${dead.exitCode ?? dead.signalCode})` : "timed out";
        throw new Error(`Kannel did not start: ${what}: ${why}\n${await logTail(dir)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  try {
    await writeFile(file, config(dir, options, ports));
    const bearerbox = start("bearerbox");
    await waitFor("bearerbox listening for smsbox", () => isListening(ports.smsbox));
    const smsbox = start("smsbox");
    await waitFor("smsbox connected, SMPP link online", async () => serving(await status(ports.admin)));
    await waitFor("sendsms listening", () => isListening(ports.sendsms));
    return {
      bearerboxPid: bearerbox.pid ?? -1,
      smsboxPid: smsbox.pid ?? -1,
      sendsmsPort: ports.sendsms,
      user: SENDSMS_USER,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
