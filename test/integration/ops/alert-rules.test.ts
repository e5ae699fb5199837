import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createMetrics } from "../../../src/observability/metrics.js";
import { runningOtpGateway } from "../../helpers/otp-gateway.js";
import { unknownMetricsAndLabels } from "../../helpers/promql-metrics.js";
import { ensureDebianPackage } from "../../helpers/system-package.js";
import { waitUntil } from "../../helpers/wait.js";

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
const rulesFile = "docs/alerts/otpgw-alerts.yaml";
const rulesTests = "test/alerts/otpgw-alerts.test.yaml";

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: string };
  annotations: { summary: string; description: string };
}

const rules = (
  parse(readFileSync(`${repoRoot}/${rulesFile}`, "utf8")) as { groups: { rules: Rule[] }[] }
).groups.flatMap((group) => group.rules);

/** promtool (Debian package `prometheus`, installed when missing), run in the repository. */
function promtool(args: string[], input?: string) {
  const run = spawnSync("promtool", args, { cwd: repoRoot, encoding: "utf8", input, timeout: 60_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe("Prometheus alerting rules (docs/alerts/otpgw-alerts.yaml)", () => {
  beforeAll(() => {
    ensureDebianPackage("prometheus", () => spawnSync("promtool", ["--version"]).status === 0);
  });

  it("promtool accepts the rules, and its unit tests of them pass: each alert fires on its failure, none on a healthy gateway", () => {
    const check = promtool(["check", "rules", rulesFile]);
    expect(check.output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(check.status).toBe(0);
    const test = promtool(["test", "rules", rulesTests]);
    expect(test.output).toContain("SUCCESS");
    expect(test.status).toBe(0);

    // Every alert is shown firing by some test, and shown quiet by the healthy gateway's.
    const tests = (
      parse(readFileSync(`${repoRoot}/${rulesTests}`, "utf8")) as {
        tests: { name: string; alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
      }
    ).tests;
    const fired = new Set(
      tests.flatMap((t) => t.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)),
    );
    const healthy = tests.find((t) => t.name === "a healthy gateway raises no alert")!;
    const quiet = new Set(
      healthy.alert_rule_test.filter((a) => a.exp_alerts.length === 0).map((a) => a.alertname),
    );
    const names = rules.map((r) => r.alert);
    expect(names.filter((name) => !fired.has(name))).toEqual([]);
    expect(names.filter((name) => !quiet.has(name))).toEqual([]);
    expect(new Set(names).size).toBe(names.length);
  });

  it("every rule reads metrics and labels otpgw exports, and says how bad and what to do", async () => {
    const metrics = createMetrics({ defaultMetrics: true });
    const exported = await metrics.registry.metrics();
    const problems: string[] = [];
    for (const rule of rules) {
      if (!["critical", "warning", "info"].includes(rule.labels.severity))
        problems.push(`${rule.alert}: severity`);
      if (!rule.annotations.summary || !rule.annotations.description)
        problems.push(`${rule.alert}: annotations`);
      for (const problem of unknownMetricsAndLabels(rule.expr, metrics.registry, exported)) {
        problems.push(`${rule.alert}: ${problem}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("a running gateway's /metrics passes promtool's lint, apart from prom-client's own process gauges named _total", async () => {
    const gateway = await runningOtpGateway();
    for (let i = 0; i < 2; i++) expect((await gateway.send(i)).status).toBe(202);
    await waitUntil(() => gateway.hooks.calls.length === 2, 15_000, "both webhooks");
    const text = await (await fetch(`http://127.0.0.1:${gateway.daemon.ports!.metrics}/metrics`)).text();
    expect(text).toMatch(/^otpgw_messages_final_total\{state="delivered"\} 2$/m);
    expect(text).toMatch(/^otpgw_redis_wait_replicas 0$/m);
    // Delivery times: both messages counted once, delivered within seconds (the simulator answers in 20–50 ms).
    expect(text).toMatch(/^otpgw_message_final_seconds_count\{state="delivered"\} 2$/m);
    expect(text).toMatch(/^otpgw_carrier_receipt_seconds_count\{carrier="id-a",stat="DELIVRD"\} 2$/m);
    expect(text).toMatch(/^otpgw_carrier_receipt_seconds_bucket\{le="3",carrier="id-a",stat="DELIVRD"\} 2$/m);

    const lint = promtool(["check", "metrics"], text);
    const findings = lint.output.split("\n").filter((line) => line.trim() !== "");
    // prom-client's default gauges otpgw_process_nodejs_active_{handles,requests,resources}_total are its naming,
    // not ours; anything else is a finding on otpgw's own metrics.
    expect(
      findings.filter((line) => !/^otpgw_process_nodejs_active_[a-z]+_total non-counter/.test(line)),
    ).toEqual([]);
  }, 60_000);
});
