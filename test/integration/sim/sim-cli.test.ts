import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../../scripts/lib/free-port.js";
import { SimClient } from "./sim-client.js";

const ROOT = resolve(import.meta.dirname, "../../..");
const children: ChildProcess[] = [];
const clients: SimClient[] = [];

interface Running {
  child: ChildProcess;
  lines: { name: string; port: number; controlPort: number | undefined }[];
  stderr: () => string;
}

/** Starts the CLI and resolves once it printed `expectLines` instance lines (or rejects if it exits first). */
function startCli(args: string[], expectLines = 1, env: NodeJS.ProcessEnv = {}): Promise<Running> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/sim/main.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`CLI printed no ports within 20 s; stderr: ${stderr}`)),
      20_000,
    );
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      const lines = [...stdout.matchAll(/^sim name=(\S+) host=\S+ port=(\d+) control_port=(\d+|-)$/gm)].map(
        (m) => ({
          name: m[1]!,
          port: Number(m[2]),
          controlPort: m[3] === "-" ? undefined : Number(m[3]),
        }),
      );
      if (lines.length >= expectLines) {
        clearTimeout(timer);
        resolvePromise({ child, lines, stderr: () => stderr });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`CLI exited with ${code} before listening; stderr: ${stderr}`));
    });
  });
}

function exitOf(child: ChildProcess, timeoutMs = 10_000): Promise<number | null | "timeout"> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolvePromise) => {
    const timer = setTimeout(() => resolvePromise("timeout"), timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolvePromise(code);
    });
  });
}

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

async function bindDefault(port: number): Promise<number> {
  const c = await SimClient.connect(port);
  clients.push(c);
  return (await c.bind("sim", "sim")).command_status;
}

describe("carrier simulator CLI", () => {
  it("prints its ports, serves SMPP and the control endpoint, and stops cleanly on SIGTERM", async () => {
    const { child, lines } = await startCli(["--port", "0", "--control-port", "0"]);
    const [line] = lines;
    expect(line!.port).toBeGreaterThan(0);
    expect(await bindDefault(line!.port)).toBe(0);
    const counters = (await (await fetch(`http://127.0.0.1:${line!.controlPort}/counters`)).json()) as {
      bindsAccepted: number;
    };
    expect(counters.bindsAccepted).toBe(1);
    child.kill("SIGTERM");
    expect(await exitOf(child)).toBe(0);
  });

  it("restarts on the same port at once after being SIGKILLed with a session open", async () => {
    // Outside the kernel's ephemeral range, so no other connection can take it while it is free.
    const first = await startCli(["--port", String(await freePort())]);
    const port = first.lines[0]!.port;
    expect(await bindDefault(port)).toBe(0);
    first.child.kill("SIGKILL");
    await exitOf(first.child);
    await clients[0]!.waitClosed();

    const second = await startCli(["--port", String(port)]);
    expect(second.lines[0]!.port).toBe(port);
    expect(await bindDefault(port)).toBe(0);
    second.child.kill("SIGTERM");
    expect(await exitOf(second.child)).toBe(0);
  });

  it("runs every instance of a config file, with credentials from the environment", async () => {
    const dir = await mkdtemp(join(tmpdir(), "otpgw-sim-"));
    try {
      const file = join(dir, "sims.yaml");
      await writeFile(
        file,
        [
          "instances:",
          "  - name: alpha",
          "    port: 0",
          "    credentials: [{ system_id: alpha, password: '${SIM_TEST_ALPHA_PW}' }]",
          "  - name: beta",
          "    port: 0",
          "    control_port: 0",
          "    credentials: [{ system_id: beta, password: literal }]",
          "    message_id_format: decimal",
          "",
        ].join("\n"),
      );
      const { child, lines } = await startCli(["--config", file], 2, { SIM_TEST_ALPHA_PW: "fromenv" });
      expect(lines.map((l) => l.name)).toEqual(["alpha", "beta"]);
      expect(lines[0]!.controlPort).toBeUndefined();
      expect(lines[1]!.controlPort).toBeGreaterThan(0);
      const alpha = await SimClient.connect(lines[0]!.port);
      clients.push(alpha);
      expect((await alpha.bind("alpha", "fromenv")).command_status).toBe(0);
      child.kill("SIGINT");
      expect(await exitOf(child)).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("exits 2 with file:line for an invalid config file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "otpgw-sim-"));
    try {
      const file = join(dir, "bad.yaml");
      await writeFile(file, "instances:\n  - name: x\n    port: 0\n    receipt_styel: tlv\n");
      const child = spawn(process.execPath, ["--import", "tsx", "scripts/sim/main.ts", "--config", file], {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      });
      children.push(child);
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      expect(await exitOf(child, 20_000)).toBe(2);
      expect(stderr).toContain(`${file}:4: instances.0.receipt_styel: unknown option`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
