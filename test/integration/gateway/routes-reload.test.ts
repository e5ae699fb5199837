import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { startCarrierSim } from "../../helpers/carrier-sim.js";
import { daemonFixture, FIXTURE_ACCOUNT } from "../../helpers/daemon-fixture.js";
import { waitUntil } from "../../helpers/wait.js";

const QUICK = { submitRespLatencyMs: { min: 1, max: 3 }, receiptLatencyMs: { min: 5, max: 20 } };

/** routes.yaml with one Indonesian route of id-a and id-b at these weights. */
const routesYaml = (a: number, b: number) =>
  [
    "defaults:",
    "  dlr_timeout_seconds: 5",
    "  validity_seconds: 300",
    "routes:",
    "  - name: indonesia",
    "    match: { country: ID }",
    "    carriers:",
    `      - { carrier: id-a, weight: ${a} }`,
    `      - { carrier: id-b, weight: ${b} }`,
    "",
  ].join("\n");

describe("routes.yaml reloaded on SIGHUP (the daemon as a process)", () => {
  it("installs a valid edit at once, refuses a broken one with its line and keeps routing by the running table", async () => {
    const simA = await startCarrierSim(QUICK);
    const simB = await startCarrierSim(QUICK);
    const daemon = await daemonFixture({
      redisUrl: inject("redisUrl"),
      carriers: [
        { id: "id-a", port: simA.port! },
        { id: "id-b", port: simB.port! },
      ],
      routes: "  []",
    });
    const routesFile = join(daemon.dir, "routes.yaml");
    await writeFile(routesFile, routesYaml(1_000_000, 1));
    await daemon.start();
    await daemon.waitForBinds();
    const sendBurst = async (count: number, from: number) => {
      for (let i = 0; i < count; i++) {
        const response = await daemon.api("/v1/messages", {
          method: "POST",
          body: {
            to: `+6281234${String(from + i).padStart(5, "0")}`,
            from: FIXTURE_ACCOUNT.sender,
            text: "Code 4821",
          },
        });
        expect(response.status).toBe(202);
      }
    };
    const reloads = (result: string) => daemon.logLines.filter((l) => l.includes(result)).length;

    await sendBurst(10, 0);
    await waitUntil(() => simA.received().length + simB.received().length >= 10, 10_000, "the first burst");
    expect(simA.received().length).toBe(10);

    // The operator moves the route to id-b and tells otpgw.
    await writeFile(routesFile, routesYaml(1, 1_000_000));
    daemon.signal("SIGHUP");
    await waitUntil(() => reloads("new route table in use") === 1, 10_000, "the reload");
    const applied = daemon.logLines.find((l) => l.includes("new route table in use"))!;
    expect(JSON.parse(applied)).toMatchObject({ changed: ["indonesia"], added: [], removed: [] });
    await sendBurst(10, 100);
    await waitUntil(() => simB.received().length >= 10, 10_000, "the second burst on id-b");
    expect(simA.received().length).toBe(10);

    // A broken edit (a YAML error) is refused, its problem named by file and line; the running table stays.
    const good = await readFile(routesFile, "utf8");
    await writeFile(routesFile, good.replace("  - name: indonesia", "  - name: indonesia\n   match: [oops"));
    daemon.signal("SIGHUP");
    await waitUntil(() => reloads("configuration reload refused") === 1, 10_000, "the refusal");
    const refused = JSON.parse(daemon.logLines.find((l) => l.includes("configuration reload refused"))!) as {
      problems: string[];
    };
    expect(refused.problems.some((p) => /routes\.yaml:\d+/.test(p))).toBe(true);
    await sendBurst(10, 200);
    await waitUntil(() => simB.received().length >= 20, 10_000, "the third burst, still on id-b");
    expect(simA.received().length).toBe(10);

    // The counters say the same.
    const metrics = await (await fetch(`http://127.0.0.1:${daemon.ports!.metrics}/metrics`)).text();
    expect(metrics).toMatch(/otpgw_config_reloads_total\{result="applied"\} 1\n/);
    expect(metrics).toMatch(/otpgw_config_reloads_total\{result="invalid"\} 1\n/);
    expect(metrics).toMatch(/otpgw_config_restart_pending 0\n/);
  }, 60_000);
});
