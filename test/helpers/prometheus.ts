import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../scripts/lib/free-port.js";
import { ensureDebianPackage } from "./system-package.js";
import { killWhenFinished } from "./child-cleanup.js";
import { waitUntil } from "./wait.js";

/** Installs the Debian package `prometheus` (the server and promtool) when missing. */
export function ensurePrometheus(): void {
  ensureDebianPackage("prometheus", () => spawnSync("promtool", ["--version"]).status === 0);
}

export interface QueryResult {
  status: string;
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

/**
 * A Prometheus server of the test's own on 127.0.0.1 (data in a temporary directory, stopped when the test
 * finishes) scraping `targets` every second as job "otpgw", evaluating `ruleFiles` every second.
 */
export async function startPrometheus(targets: string[], ruleFiles: string[] = []) {
  ensurePrometheus();
  const dir = await mkdtemp(join(tmpdir(), "otpgw-prometheus-"));
  const port = await freePort();
  const config = join(dir, "prometheus.yml");
  await writeFile(
    config,
    [
      "global: { scrape_interval: 1s, evaluation_interval: 1s }",
      `rule_files: [${ruleFiles.map((f) => JSON.stringify(f)).join(", ")}]`,
      "scrape_configs:",
      "  - job_name: otpgw",
      `    static_configs: [{ targets: [${targets.map((t) => JSON.stringify(t)).join(", ")}] }]`,
      "",
    ].join("\n"),
  );
  const child = spawn(
    "prometheus",
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  killWhenFinished(child, dir);
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(
    async () =>
      child.exitCode !== null ||
      (await fetch(`${url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      )),
    20_000,
    "Prometheus to be ready",
  );
  if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${stderr}`);

  /** An instant query through the HTTP API. */
  const query = async (expr: string): Promise<QueryResult> => {
    const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return (await response.json()) as QueryResult;
  };
  return { url, query };
}
