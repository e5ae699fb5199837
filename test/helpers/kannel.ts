import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onTestFinished } from "vitest";
import { freePort } from "../../scripts/lib/free-port.js";
import { ensureDebianPackage } from "./system-package.js";
import { waitUntil } from "./wait.js";

/** Installs Kannel (Debian package `kannel`) when missing: as root with apt-get, else says what to run. */
export function ensureKannel(): void {
  ensureDebianPackage(
    "kannel",
    () => spawnSync("bearerbox", ["--version"], { stdio: "ignore" }).error === undefined,
  );
}

/** One delivery report as Kannel calls the dlr-url: its type (1 delivered, 2 failed, 8 SMSC ack, 16 SMSC reject). */
export interface KannelDlr {
  ref: string;
  type: number;
}

/**
 * Kannel's bearerbox (SMPP ESME towards `smsc`) and smsbox (the sendsms HTTP interface) on 127.0.0.1, with
 * a dlr-url receiver. Everything stops when the test finishes.
 */
export async function startKannel(smsc: { port: number; systemId: string; password: string }) {
  ensureKannel();
  const dir = await mkdtemp(join(tmpdir(), "otpgw-kannel-"));
  const [adminPort, smsboxPort, sendsmsPort] = [await freePort(), await freePort(), await freePort()];
  const dlrs: KannelDlr[] = [];
  const receiver = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    dlrs.push({ ref: url.searchParams.get("ref") ?? "", type: Number(url.searchParams.get("type")) });
    res.writeHead(200).end("ok");
  });
  receiver.listen(0, "127.0.0.1");
  await once(receiver, "listening");
  const receiverPort = (receiver.address() as { port: number }).port;

  const conf = `
group = core
admin-port = ${adminPort}
admin-password = adminpw
admin-interface = 127.0.0.1
smsbox-port = ${smsboxPort}
smsbox-interface = 127.0.0.1
box-allow-ip = 127.0.0.1
log-file = "${dir}/bearerbox.log"
log-level = 1
dlr-storage = internal
store-type = file
store-location = "${dir}/store"

group = smsc
smsc = smpp
smsc-id = otpgw
host = 127.0.0.1
port = ${smsc.port}
transceiver-mode = true
smsc-username = "${smsc.systemId}"
smsc-password = "${smsc.password}"
system-type = ""
interface-version = 34
enquire-link-interval = 5
max-pending-submits = 10
reconnect-delay = 1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = ${smsboxPort}
sendsms-port = ${sendsmsPort}
sendsms-interface = 127.0.0.1
log-file = "${dir}/smsbox.log"
log-level = 1

group = sendsms-user
username = otpgw
password = otpgwpw
max-messages = 3
concatenation = true

group = sms-service
keyword = default
text = "no service"
`;
  await writeFile(join(dir, "kannel.conf"), conf);
  const processes: ChildProcess[] = [];
  const start = (binary: string): ChildProcess => {
    const child = spawn(binary, [join(dir, "kannel.conf")], { stdio: "ignore" });
    processes.push(child);
    return child;
  };
  start("bearerbox");
  await waitUntil(
    () => spawnSync("bash", ["-c", `echo > /dev/tcp/127.0.0.1/${smsboxPort}`]).status === 0,
    15_000,
    "bearerbox",
  );
  start("smsbox");
  await waitUntil(
    () => spawnSync("bash", ["-c", `echo > /dev/tcp/127.0.0.1/${sendsmsPort}`]).status === 0,
    15_000,
    "smsbox",
  );

  onTestFinished(async () => {
    for (const child of processes.reverse()) {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await Promise.race([once(child, "exit"), new Promise((r) => setTimeout(r, 3000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
    }
    receiver.close();
    if (!process.env.OTPGW_TEST_KEEP) await rm(dir, { recursive: true, force: true });
  });

  /** Whether bearerbox reports the SMPP link online (its status page). */
  const online = async (): Promise<boolean> => {
    const status = await (await fetch(`http://127.0.0.1:${adminPort}/status.txt?password=adminpw`)).text();
    return /otpgw\[otpgw\] SMPP:.*\(online/.test(status) || /SMPP:.*online/.test(status);
  };

  /** Submits one message through smsbox's sendsms interface, asking for every delivery report. */
  const sendsms = async (options: {
    to: string;
    from: string;
    text: string;
    ref: string;
    ucs2?: boolean;
  }) => {
    const dlrUrl = `http://127.0.0.1:${receiverPort}/dlr?ref=${options.ref}&type=%d`;
    const params = new URLSearchParams({
      username: "otpgw",
      password: "otpgwpw",
      to: options.to,
      from: options.from,
      text: options.text,
      charset: "UTF-8",
      "dlr-mask": "31",
      "dlr-url": dlrUrl,
      ...(options.ucs2 ? { coding: "2" } : {}),
    });
    const response = await fetch(`http://127.0.0.1:${sendsmsPort}/cgi-bin/sendsms?${params.toString()}`);
    return { status: response.status, body: await response.text() };
  };

  return { dir, dlrs, online, sendsms };
}
