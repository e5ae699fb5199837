import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigReload } from "../../../src/config/config-reload.js";
import { loadConfig } from "../../../src/config/load-config.js";
import { createMetrics } from "../../../src/observability/metrics.js";
import { PortedIndex } from "../../../src/routing/ported-index.js";
import { LiveRouteTable } from "../../../src/routing/live-route-table.js";
import {
  accountsYaml,
  carrierYaml,
  fixtureWebhookSecretEnv,
  routesYaml,
  tempTree,
} from "./config-fixtures.js";

const env = {
  ...fixtureWebhookSecretEnv,
  CARRIER_ID_ONE_PASSWORD: "one",
  CARRIER_ID_TWO_PASSWORD: "two",
  CARRIER_ID_THREE_PASSWORD: "three",
  VOICE_KEY: "voice-key-0123456789",
  VOICE_SECRET: "voice-secret-0123456789",
};

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

/** A configuration tree with carriers id-one and id-two, loaded as at start, and its reload. */
async function started(files: Record<string, string> = {}) {
  const { dir, remove } = await tempTree({
    "carriers/one.yaml": carrierYaml("id-one"),
    "carriers/two.yaml": carrierYaml("id-two"),
    "routes.yaml": routesYaml(["id-one"]),
    ...files,
  });
  cleanups.push(remove);
  const load = () => loadConfig({ cwd: dir, env });
  const running = await load();
  const routes = new LiveRouteTable(running.routes);
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: "info" },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const metrics = createMetrics();
  const reload = new ConfigReload({ load, running, routes, logger, metrics });
  const counts = async () =>
    (await metrics.registry.getSingleMetric("otpgw_config_reloads_total")!.get()).values.map((v) => [
      v.labels.result,
      v.value,
    ]);
  const pending = async () =>
    (await metrics.registry.getSingleMetric("otpgw_config_restart_pending")!.get()).values[0]?.value;
  return {
    dir,
    routes,
    reload,
    lines,
    counts,
    pending,
    write: (file: string, text: string) => writeFile(join(dir, file), text),
  };
}

const carriersOf = (table: LiveRouteTable) => table.match("+6281234567890", "ID")?.carriers.map((c) => c.id);

describe("ConfigReload (SIGHUP)", () => {
  it("installs a changed routes.yaml and names the routes it changed", async () => {
    const s = await started();
    const before = s.routes.current;
    await s.write("routes.yaml", routesYaml(["id-two", "id-one"]));
    const report = await s.reload.reload();
    expect(report).toMatchObject({
      result: "applied",
      routes: { changed: ["indonesia"], added: [], removed: [] },
    });
    expect(s.routes.current).not.toBe(before);
    expect(carriersOf(s.routes)).toEqual(["id-two", "id-one"]);
    expect(Object.fromEntries(await s.counts())).toEqual({
      applied: 1,
      unchanged: 0,
      invalid: 0,
      refused: 0,
      failed: 0,
    });
  });

  it("reports an unchanged table as unchanged and keeps the table object", async () => {
    const s = await started();
    const before = s.routes.current;
    expect((await s.reload.reload()).result).toBe("unchanged");
    expect(s.routes.current).toBe(before);
  });

  it("installs a table whose networks file alone changed, keeping the ported numbers in use", async () => {
    const networks = (telkomsel: string) =>
      `networks:\n  - { mccmnc: "510-10", name: T, country: ID, prefixes: [${telkomsel}] }\n` +
      '  - { mccmnc: "510-01", name: I, country: ID, prefixes: ["+62855"] }\n';
    const s = await started({
      "otpgw.yaml": "networks_file: nets.yaml\n",
      "nets.yaml": networks('"+62811"'),
      "routes.yaml":
        routesYaml(["id-one"]) +
        '  - { name: t, match: { network: "510-10" }, carriers: [{ carrier: id-two }] }\n',
    });
    expect(s.routes.match("+6281134567890", "ID")?.name).toBe("t");
    expect(s.routes.match("+6281312345678", "ID")?.name).toBe("indonesia");
    s.routes.usePorted(PortedIndex.build([["+6285512345678", "510-10"]]).index);
    expect(s.routes.match("+6285512345678", "ID")?.name).toBe("t");

    await s.write("nets.yaml", networks('"+62811", "+62813"'));
    const report = await s.reload.reload();
    expect(report).toMatchObject({ result: "applied", routes: { added: [], removed: [], changed: [] } });
    expect(s.routes.match("+6281312345678", "ID")?.name).toBe("t");
    expect(s.routes.match("+6285512345678", "ID")?.name).toBe("t");
    expect((await s.reload.reload()).result).toBe("unchanged");
  });

  it("refuses a changed networks_file path as it refuses the other file paths: nothing installed, a restart pending", async () => {
    const networks = (telkomsel: string) =>
      `networks:\n  - { mccmnc: "510-10", name: T, country: ID, prefixes: [${telkomsel}] }\n`;
    const s = await started({
      "otpgw.yaml": "networks_file: nets.yaml\n",
      "nets.yaml": networks('"+62811"'),
      "nets-new.yaml": networks('"+62811", "+62813"'),
      "routes.yaml":
        routesYaml(["id-one"]) +
        '  - { name: t, match: { network: "510-10" }, carriers: [{ carrier: id-two }] }\n',
    });
    const before = s.routes.current;
    await s.write("otpgw.yaml", "networks_file: nets-new.yaml\n");
    const moved = await s.reload.reload();
    expect(moved.result).toBe("refused");
    expect(moved.problems).toEqual([
      "otpgw.yaml: networks_file changed: restart to read the files from there",
    ]);
    expect(s.routes.current).toBe(before);
    expect(s.routes.match("+6281312345678", "ID")?.name).toBe("indonesia");
    expect(await s.pending()).toBe(1);
  });

  it("refuses an invalid edit with every problem and keeps the running table", async () => {
    const s = await started();
    const before = s.routes.current;
    await s.write("routes.yaml", routesYaml(["id-nope"]));
    const report = await s.reload.reload();
    expect(report.result).toBe("invalid");
    expect(report.problems.join("\n")).toMatch(/routes\.yaml:\d+: .*id-nope/);
    expect(s.routes.current).toBe(before);
    expect(s.lines.some((l) => String(l.msg).startsWith("configuration reload refused"))).toBe(true);
  });

  it("refuses a valid table naming a carrier this process does not run, and flags the new carrier for a restart", async () => {
    const s = await started();
    const before = s.routes.current;
    await s.write("carriers/three.yaml", carrierYaml("id-three"));
    await s.write("routes.yaml", routesYaml(["id-three"]));
    const report = await s.reload.reload();
    expect(report.result).toBe("refused");
    expect(report.problems).toEqual([
      "route indonesia: carrier id-three is not running in this process (carriers are added at a restart)",
    ]);
    expect(report.restartNeeded).toEqual(["carrier id-three: added"]);
    expect(s.routes.current).toBe(before);
    expect(await s.pending()).toBe(1);
  });

  it("refuses files validated against settings or carriers the process does not run", async () => {
    const s = await started();
    const before = s.routes.current;
    // routes_file now names another file: the reload would read routes from where the running daemon does not.
    await s.write("other-routes.yaml", routesYaml(["id-two"]));
    await s.write("otpgw.yaml", "routes_file: other-routes.yaml\n");
    const moved = await s.reload.reload();
    expect(moved.result).toBe("refused");
    expect(moved.problems).toEqual(["otpgw.yaml: routes_file changed: restart to read the files from there"]);
    expect(s.routes.current).toBe(before);
    // A routed carrier's countries changed: routes.yaml was checked against the new ones.
    await s.write("otpgw.yaml", "");
    await s.write(
      "carriers/one.yaml",
      carrierYaml("id-one").replace("countries: [ID]", "countries: [ID, SG]"),
    );
    await s.write("routes.yaml", routesYaml(["id-two", "id-one"]));
    const recountried = await s.reload.reload();
    expect(recountried.result).toBe("refused");
    expect(recountried.problems).toEqual([
      "carrier id-one: its countries changed and routes.yaml was checked against them; restart to apply the carrier file",
    ]);
    expect(s.routes.current).toBe(before);
  });

  it("refuses routes escalating to a channel otpgw.yaml adds: the process runs no provider for it until a restart", async () => {
    const s = await started();
    const before = s.routes.current;
    await s.write(
      "otpgw.yaml",
      [
        "channels:",
        "  voice:",
        "    api_url: https://voice.example/v1/calls",
        "    api_key: ${VOICE_KEY}",
        "    callback_secret: ${VOICE_SECRET}",
        "    callback_url: https://otpgw.example/v1/channels/voice/status",
        "",
      ].join("\n"),
    );
    await s.write("routes.yaml", `${routesYaml(["id-one"])}    escalation: [voice]\n`);
    const added = await s.reload.reload();
    expect(added.problems).toEqual([
      "routes.yaml: a route escalates to voice, which this process does not run (otpgw.yaml channels.voice is new): restart to start it",
    ]);
    expect(added.result).toBe("refused");
    expect(s.routes.current).toBe(before);
  });

  it("refuses routes trying a channel before SMS that otpgw.yaml adds, as it refuses one escalated to", async () => {
    const s = await started();
    const before = s.routes.current;
    await s.write(
      "otpgw.yaml",
      [
        "channels:",
        "  voice:",
        "    api_url: https://voice.example/v1/calls",
        "    api_key: ${VOICE_KEY}",
        "    callback_secret: ${VOICE_SECRET}",
        "    callback_url: https://otpgw.example/v1/channels/voice/status",
        "",
      ].join("\n"),
    );
    await s.write("routes.yaml", `${routesYaml(["id-one"])}    before_sms: [voice]\n`);
    const added = await s.reload.reload();
    expect(added.problems).toEqual([
      "routes.yaml: a route tries voice before SMS, which this process does not run (otpgw.yaml channels.voice is new): restart to start it",
    ]);
    expect(added.result).toBe("refused");
    expect(s.routes.current).toBe(before);
  });

  it("applies routes and names what waits for a restart (settings, carriers, accounts) without their values", async () => {
    const s = await started();
    await s.write("otpgw.yaml", "http: { port: 18080 }\n");
    await s.write("carriers/two.yaml", carrierYaml("id-two", "window: 7"));
    await s.write("routes.yaml", routesYaml(["id-one", "id-two"]));
    await s.write("accounts.yaml", accountsYaml.replace("rate_per_second: 10", "rate_per_second: 20"));
    const report = await s.reload.reload();
    expect(report.result).toBe("applied");
    expect(report.restartNeeded).toEqual([
      "otpgw.yaml: http",
      "carrier id-two: changed",
      "accounts.yaml: changed",
    ]);
    expect(await s.pending()).toBe(1);
    const warning = s.lines.find((l) => String(l.msg).includes("a reload cannot apply"))!;
    expect(warning.pending).toEqual(report.restartNeeded);
    expect(JSON.stringify(s.lines)).not.toContain("18080");
    // Edited back: nothing waits any more.
    await s.write("otpgw.yaml", "");
    await s.write("carriers/two.yaml", carrierYaml("id-two"));
    await s.write("accounts.yaml", accountsYaml);
    expect((await s.reload.reload()).restartNeeded).toEqual([]);
    expect(await s.pending()).toBe(0);
  });

  it("installs a changed accounts.yaml through applyAccounts, which then waits for no restart", async () => {
    const s = await started();
    const applied: string[] = [];
    const reload = new ConfigReload({
      load: () => loadConfig({ cwd: s.dir, env }),
      running: await loadConfig({ cwd: s.dir, env }),
      routes: s.routes,
      applyAccounts: (accounts) => {
        applied.push(accounts.accounts.map((a) => `${a.id}:${a.ratePerSecond}`).join());
        return { added: [], removed: [], changed: ["test"], unbound: 0 };
      },
      logger: pino({ level: "silent" }),
    });
    expect((await reload.reload()).result).toBe("unchanged");
    await s.write("accounts.yaml", accountsYaml.replace("rate_per_second: 10", "rate_per_second: 20"));
    const report = await reload.reload();
    expect(report).toMatchObject({ result: "applied", restartNeeded: [] });
    expect(report.accounts).toEqual({ added: [], removed: [], changed: ["test"], unbound: 0 });
    expect((await reload.reload()).result).toBe("unchanged");
    expect(applied).toEqual(["test:20"]);
  });

  it("runs reloads asked for at once one after another, the last file winning", async () => {
    const s = await started();
    await s.write("routes.yaml", routesYaml(["id-two"]));
    const first = s.reload.reload();
    const second = s.reload.reload();
    expect((await first).result).toBe("applied");
    expect((await second).result).toBe("unchanged");
    expect(carriersOf(s.routes)).toEqual(["id-two"]);
  });
});
