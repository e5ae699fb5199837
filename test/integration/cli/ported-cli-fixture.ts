/**
 * The `otpgw ported` command-line tests' fixture: a configuration tree on the test's Redis and key prefix, with the
 * shipped networks file, and `otpgw …` run in this process on it (the code path the command line runs).
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect, onTestFinished } from "vitest";
import { runCli } from "../../../src/cli/program.js";
import { silentLogger } from "../../../src/observability/logger.js";
import { portedNumbersKey } from "../../../src/ops/ported-store.js";
import { scanKeys, testRedis } from "../../helpers/redis.js";
import { carrierYaml, tempTree } from "../../unit/config/config-fixtures.js";

/** KT's subscribers (450-08) to kr-kt, the other Korean numbers to kr-skt; Indonesia to kr-skt. */
const routes = [
  "routes:",
  "  - name: korea-kt",
  '    match: { network: "450-08" }',
  "    carriers: [{ carrier: kr-kt }]",
  "  - name: korea",
  "    match: { country: KR }",
  "    carriers: [{ carrier: kr-skt }]",
  "  - name: indonesia",
  "    match: { country: ID }",
  "    carriers: [{ carrier: kr-skt }]",
  "",
].join("\n");

export const KR = "+821012345678";

/**
 * A configuration tree on the test's Redis and key prefix, with the shipped networks file (data/networks.yaml), and
 * `otpgw …` run in this process on it (the code path the command line runs) as user noc-1.
 */
export async function setup() {
  const redis = await testRedis();
  const tree = await tempTree({
    "otpgw.yaml": `log_level: silent\nredis_url: ${redis.url}\nredis_key_prefix: "${redis.prefix}"\n`,
    "carriers/skt.yaml": carrierYaml("kr-skt", "", 2775, "[KR, ID]"),
    "carriers/kt.yaml": carrierYaml("kr-kt", "", 2776, "[KR, ID]"),
    "routes.yaml": routes,
  });
  onTestFinished(() => tree.remove());
  const otpgw = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    let stdout = "";
    let stderr = "";
    const code = await runCli([...args, "--config", join(tree.dir, "otpgw.yaml")], {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env: { USER: "noc-1", ...env },
      cwd: tree.dir,
      version: "test",
      createLogger: () => silentLogger(),
      runDaemon: () => Promise.reject(new Error("not here")),
    });
    return { code, stdout, stderr };
  };
  const file = async (name: string, lines: readonly string[]) => {
    await writeFile(join(tree.dir, name), lines.join("\n"));
    return name;
  };
  const stored = () => redis.client.hgetall(portedNumbersKey(redis.prefix));
  const keys = () => scanKeys(redis.client, `${redis.prefix}*`);
  return { redis, otpgw, file, stored, keys };
}

export type Run = Awaited<ReturnType<Awaited<ReturnType<typeof setup>>["otpgw"]>>;

/** A refusal is one line on stderr, never a stack trace, and nothing on stdout. */
export function expectRefusal(run: Run, text: string): void {
  expect(run.code).toBe(1);
  expect(run.stderr).toContain(text);
  expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(run.stdout).toBe("");
}
