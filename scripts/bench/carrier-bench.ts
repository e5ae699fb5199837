import { defaults } from "../../src/config/defaults.js";
import type { CarrierConfig } from "../../src/config/types.js";
import { silentLogger } from "../../src/observability/logger.js";
import { CarrierPool } from "../../src/south/carrier-pool.js";
import { buildSubmits } from "../../src/south/submit-builder.js";
import type { SubmitFields } from "../../src/south/submit-types.js";
import { quantile, renderTable } from "../lib/table.js";
import { benchSimConfig, startSimProcess } from "./sim-process.js";

export interface CarrierBenchResult {
  window: number;
  submits: number;
  submitsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuMsPerSubmit: number;
}

/** Most submits one scenario may send, whatever its duration: keeps every run bounded in count too. */
const MAX_SUBMITS_PER_SCENARIO = 200_000;

function benchCarrier(port: number, window: number): CarrierConfig {
  return {
    ...defaults.carrier,
    sourceAddress: { ...defaults.carrier.sourceAddress },
    id: "bench",
    file: "(bench)",
    host: "127.0.0.1",
    port,
    systemId: "sim",
    password: "sim",
    countries: ["ID"],
    windowSize: window,
    // The cap is not what is measured here: set it far above what one core can do.
    throughputPerSecond: 10_000,
  };
}

async function runScenario(port: number, window: number, seconds: number): Promise<CarrierBenchResult> {
  const carrier = benchCarrier(port, window);
  const pool = new CarrierPool({ carrier, logger: silentLogger(), maxQueued: 1_000_000 });
  pool.start();
  const deadline = Date.now() + 5000;
  while (pool.status().bound === 0) {
    if (Date.now() > deadline) throw new Error("bench bind did not come up");
    await new Promise((r) => setTimeout(r, 10));
  }
  const template: SubmitFields = buildSubmits(carrier, {
    source: "OTPGW",
    destination: "+6281234567890",
    text: "Your OTPGW code is 482913. It expires in 5 minutes.",
    reference: 1,
  }).parts[0]!;
  const latencies: number[] = [];
  let sent = 0;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const end = start + seconds * 1000;
  // Keep twice the window queued so the pool is never starved, without unbounded buffering.
  const inFlightTarget = window * 2;
  await new Promise<void>((resolve) => {
    let inFlight = 0;
    const fill = (): void => {
      while (inFlight < inFlightTarget && performance.now() < end && sent < MAX_SUBMITS_PER_SCENARIO) {
        inFlight++;
        sent++;
        const t0 = performance.now();
        pool.submit({ ...template }).then(
          () => {
            latencies.push(performance.now() - t0);
            inFlight--;
            fill();
          },
          () => {
            inFlight--;
            fill();
          },
        );
      }
      if (inFlight === 0) resolve();
    };
    fill();
  });
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  await pool.close(2000);
  return {
    window,
    submits: latencies.length,
    submitsPerSecond: Math.round(latencies.length / elapsed),
    p50Ms: Number(quantile(latencies, 0.5).toFixed(2)),
    p99Ms: Number(quantile(latencies, 0.99).toFixed(2)),
    cpuMsPerSubmit: Number(((cpu.user + cpu.system) / 1000 / latencies.length).toFixed(4)),
  };
}

export async function runCarrierBench(seconds: number): Promise<CarrierBenchResult[]> {
  const sim = await startSimProcess(benchSimConfig({ credentials: { systemId: "sim", password: "sim" } }));
  try {
    const results: CarrierBenchResult[] = [];
    for (const window of [1, 10, 100]) results.push(await runScenario(sim.port, window, seconds));
    console.log(
      "\ncarrier pool → simulator (separate process, answers at once, receipts within 5 ms), one bind;" +
        "\nlatency = queued in the pool → submit_sm_resp; CPU = this process (pool, session, codec, receipts)",
    );
    console.log(
      renderTable(
        ["window", "submits", "submits/s", "p50 ms", "p99 ms", "CPU ms/submit (otpgw)"],
        results.map((r) => [r.window, r.submits, r.submitsPerSecond, r.p50Ms, r.p99Ms, r.cpuMsPerSubmit]),
      ),
    );
    return results;
  } finally {
    await sim.stop();
  }
}
