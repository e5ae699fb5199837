import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  buildDashboard,
  dashboardFile,
  dashboardQueries,
  dashboardText,
} from "../../../scripts/dashboards/grafana-dashboard.js";
import { createMetrics } from "../../../src/observability/metrics.js";
import { runningOtpGateway } from "../../helpers/otp-gateway.js";
import { startPrometheus } from "../../helpers/prometheus.js";
import { unknownMetricsAndLabels } from "../../helpers/promql-metrics.js";
import { waitUntil } from "../../helpers/wait.js";

const alertRules = fileURLToPath(new URL("../../../docs/alerts/otpgw-alerts.yaml", import.meta.url));

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { uid: string };
  targets?: { expr: string }[];
}

/** Panels on a healthy gateway taking HTTP traffic only that have nothing to show (no such event happened). */
const QUIET_ON_A_HEALTHY_HTTP_GATEWAY = new Set([
  "Creates withdrawn / s",
  // No channel is configured there: nothing escalates.
  "Escalations / s by channel and result",
  "Throttled / s, unmatched receipts / s",
  "Bind reconnects and refusals / s",
  "SMPP submits / s",
  "SMPP binds and receipts / s",
  "Connections refused / s",
  // Its account has no anti-abuse limits: nothing is refused by them.
  "Submits refused by anti-abuse limits / s",
  "TLS certificates: days left",
  // Its account does not report conversions (reports_conversions): no share to show.
  "Conversion share by carrier",
]);

/** A dashboard query as Prometheus runs it once Grafana has put in its variables (all instances and carriers). */
function asRun(expr: string): string {
  return expr
    .replaceAll("$__rate_interval", "15s")
    .replaceAll("$instance", ".*")
    .replaceAll("$carrier", ".*");
}

describe("Grafana dashboard (docs/dashboards/otpgw-grafana.json)", () => {
  it("is what scripts/dashboards builds (edit the script and run npm run dashboard), laid out without overlaps", async () => {
    expect(readFileSync(dashboardFile, "utf8")).toBe(dashboardText());
    const panels = (buildDashboard().panels as Panel[]).filter((p) => p.type !== "row");
    expect(new Set((buildDashboard().panels as Panel[]).map((p) => p.id)).size).toBe(
      (buildDashboard().panels as Panel[]).length,
    );
    const cells = new Set<string>();
    for (const { title, gridPos: g, datasource, targets } of panels) {
      expect(g.x + g.w, title).toBeLessThanOrEqual(24);
      for (let x = g.x; x < g.x + g.w; x++) {
        for (let y = g.y; y < g.y + g.h; y++) {
          expect(cells.has(`${x},${y}`), `${title} overlaps another panel`).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
      expect(datasource?.uid).toBe("${datasource}");
      expect(targets?.length, title).toBeGreaterThan(0);
    }
    // Every query reads metrics and labels otpgw exports.
    const metrics = createMetrics({ defaultMetrics: true });
    const exported = await metrics.registry.metrics();
    const problems = dashboardQueries().flatMap(({ panel, expr }) =>
      unknownMetricsAndLabels(expr, metrics.registry, exported).map((p) => `${panel}: ${p}`),
    );
    expect(problems).toEqual([]);
  });

  it("on a real Prometheus scraping a running gateway: every query runs, each panel that should shows data, and no alert fires", async () => {
    const gateway = await runningOtpGateway();
    const prometheus = await startPrometheus([`127.0.0.1:${gateway.daemon.ports!.metrics}`], [alertRules]);
    await waitUntil(
      async () => ((await prometheus.query('up{job="otpgw"} == 1')).data?.result.length ?? 0) === 1,
      20_000,
      "Prometheus scraping otpgw",
    );
    // Traffic in two bursts a few scrapes apart, so that rates over 15 s have something to differ by.
    for (let burst = 0; burst < 2; burst++) {
      for (let i = 0; i < 5; i++) expect((await gateway.send(burst * 5 + i)).status).toBe(202);
      await waitUntil(() => gateway.hooks.calls.length === (burst + 1) * 5, 15_000, "the webhooks");
      await new Promise((r) => setTimeout(r, 2_500));
    }

    // A panel shows data when one of its queries returns some (a "failed calls" beside "ops per call" may be empty).
    const withData = new Set<string>();
    const panels = new Set<string>();
    for (const { panel, expr } of dashboardQueries()) {
      panels.add(panel);
      const result = await prometheus.query(asRun(expr));
      expect(result.status, `${panel}: ${expr}: ${result.error}`).toBe("success");
      if ((result.data?.result.length ?? 0) > 0) withData.add(panel);
    }
    const blank = [...panels].filter((panel) => !withData.has(panel));
    expect(blank.filter((panel) => !QUIET_ON_A_HEALTHY_HTTP_GATEWAY.has(panel))).toEqual([]);
    // The outstanding submits are read at each scrape: present for every bind (0 when idle).
    const outstanding = await prometheus.query("otpgw_carrier_bind_outstanding");
    expect(outstanding.data?.result.map((r) => r.metric.carrier)).toEqual(["id-a"]);
    // The alerting rules, evaluated every second on the same series: a healthy gateway fires none. (Pending is
    // allowed: on a loaded machine a latency rule may start its `for` period; none of those can fire in seconds.)
    expect((await prometheus.query('ALERTS{alertstate="firing"}')).data?.result).toEqual([]);
    const rules = (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as {
      data: { groups: { rules: { health: string; lastError?: string; name: string }[] }[] };
    };
    const evaluated = rules.data.groups.flatMap((g) => g.rules);
    const inFile = (readFileSync(alertRules, "utf8").match(/^\s+- alert: /gm) ?? []).length;
    expect(evaluated.length).toBe(inFile);
    expect(inFile).toBeGreaterThan(20);
    expect(evaluated.filter((r) => r.health !== "ok")).toEqual([]);
  }, 90_000);
});
