import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { CarrierSimulator } from "../../../scripts/sim/carrier-simulator.js";
import { waitUntil } from "../../helpers/wait.js";

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("otpgw start", () => {
  it("binds to every carrier, reports them on /metrics and /healthz, and unbinds on SIGTERM", async () => {
    const sim = new CarrierSimulator({ credentials: [{ systemId: "otpgw", password: "pw-demo" }] });
    const { port } = await sim.start();
    cleanups.push(() => sim.stop());
    const dir = await mkdtemp(join(tmpdir(), "otpgw-daemon-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await mkdir(join(dir, "carriers"));
    await writeFile(
      join(dir, "otpgw.yaml"),
      "log_level: info\nmetrics: { host: 127.0.0.1, port: 0 }\nhttp: { port: 0 }\n",
    );
    await writeFile(
      join(dir, "carriers", "id-sim.yaml"),
      `id: id-sim\nhost: 127.0.0.1\nport: ${port}\nsystem_id: otpgw\npassword: \${CARRIER_ID_SIM_PASSWORD}\nbinds: 2\ncountries: [ID]\n`,
    );

    const child = spawn(
      process.execPath,
      ["--import", "tsx", "src/cli/main.ts", "start", "--config", join(dir, "otpgw.yaml")],
      {
        cwd: repoRoot,
        env: { PATH: process.env.PATH, CARRIER_ID_SIM_PASSWORD: "pw-demo" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const killTimer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    cleanups.push(() => {
      clearTimeout(killTimer);
      if (child.exitCode === null) child.kill("SIGKILL");
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const logLines: string[] = [];
    let metricsPort: number | undefined;
    createInterface({ input: child.stdout }).on("line", (line) => {
      logLines.push(line);
      const entry = JSON.parse(line) as { msg?: string; metricsPort?: number };
      if (entry.msg === "otpgw started") metricsPort = entry.metricsPort;
    });

    await waitUntil(() => metricsPort !== undefined, 20_000, "the daemon to start");
    await waitUntil(() => sim.counters().bindsAccepted === 2, 10_000, "two binds");
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toContain('otpgw_carrier_bind_up{carrier="id-sim",bind="id-sim/trx0"} 1');
    expect(metrics).toContain('otpgw_carrier_bind_up{carrier="id-sim",bind="id-sim/trx1"} 1');
    const health = (await (await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).json()) as {
      ok: boolean;
      detail: { carriers: { id: string; bound: number }[] };
    };
    expect(health).toMatchObject({ ok: true, detail: { carriers: [{ id: "id-sim", bound: 2 }] } });

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(sim.counters().unbindsReceived).toBe(2);
    expect(logLines.some((l) => l.includes('"otpgw stopped"'))).toBe(true);
    // The carrier password never reaches the log.
    expect(logLines.join("\n")).not.toContain("pw-demo");
  });
});
