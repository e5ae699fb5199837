import { describe, expect, it, onTestFinished } from "vitest";
import {
  loadConfig,
  loadSettingsAndCarriers,
  loadSettingsAndNetworks,
} from "../../../src/config/load-config.js";
import { carrierYaml, fixtureWebhookSecretEnv, problemsOf, routesYaml, tempTree } from "./config-fixtures.js";

/** The loaders for the operations commands: only the files a command needs, as loadConfig reads them. */
const passwords = { ...fixtureWebhookSecretEnv, CARRIER_ID_ONE_PASSWORD: "one" };

async function tree(files: Record<string, string>): Promise<string> {
  const { dir, remove } = await tempTree(files);
  onTestFinished(remove);
  return dir;
}

describe("loadSettingsAndCarriers", () => {
  it("reads the settings and carriers alone: a broken accounts.yaml or routes.yaml is not its concern", async () => {
    const dir = await tree({
      "carriers/one.yaml": carrierYaml("id-one"),
      "accounts.yaml": "accounts: [unclosed\n",
      "routes.yaml": routesYaml(["id-nope"]),
    });
    const parts = await loadSettingsAndCarriers({ cwd: dir, env: passwords });
    expect(parts.carriers.map((carrier) => carrier.id)).toEqual(["id-one"]);
    expect(parts).not.toHaveProperty("routes");
    expect(await problemsOf(loadSettingsAndCarriers({ cwd: dir, env: passwords }, { routes: true }))).toEqual(
      ['routes.yaml:5: routes.0.carriers.0.carrier: unknown carrier "id-nope" (known: id-one)'],
    );
  });

  it("refuses with every problem of the files it reads, located as loadConfig locates them", async () => {
    const dir = await tree({ "otpgw.yaml": "log_level: chatty\n", "carriers/c.yaml": "id: [unclosed\n" });
    const found = await problemsOf(loadSettingsAndCarriers({ cwd: dir, env: passwords }));
    expect(found.map((problem) => problem.split(":").slice(0, 2).join(":"))).toEqual([
      "otpgw.yaml:1",
      "carriers/c.yaml:2",
    ]);
    expect(found).toEqual(await problemsOf(loadConfig({ cwd: dir, env: passwords })));
  });
});

describe("loadSettingsAndNetworks", () => {
  it("gives routes.yaml only when it and every carrier file are clean, their problems as text otherwise", async () => {
    const clean = await tree({
      "carriers/one.yaml": carrierYaml("id-one"),
      "routes.yaml": routesYaml(["id-one"]),
    });
    const loaded = await loadSettingsAndNetworks({ cwd: clean, env: passwords });
    expect(loaded.routes?.specs.length).toBeGreaterThan(0);
    expect(loaded.routingProblems).toEqual([]);
    expect(loaded.networks.networks.length).toBeGreaterThan(0);

    const badRoute = await tree({
      "carriers/one.yaml": carrierYaml("id-one"),
      "routes.yaml": routesYaml(["id-nope"]),
    });
    const withoutRoutes = await loadSettingsAndNetworks({ cwd: badRoute, env: passwords });
    expect(withoutRoutes.routes).toBeUndefined();
    expect(withoutRoutes.routingProblems).toEqual([
      'routes.yaml:5: routes.0.carriers.0.carrier: unknown carrier "id-nope" (known: id-one)',
    ]);

    const badCarrier = await tree({
      "carriers/one.yaml": carrierYaml("id-one"),
      "carriers/two.yaml": "id: [unclosed\n",
      "routes.yaml": routesYaml(["id-one"]),
    });
    const carrierBroken = await loadSettingsAndNetworks({ cwd: badCarrier, env: passwords });
    expect(carrierBroken.routes).toBeUndefined();
    expect(carrierBroken.carriers.map((carrier) => carrier.id)).toEqual(["id-one"]);
    expect(carrierBroken.routingProblems.map((problem) => problem.split(":")[0])).toEqual([
      "carriers/two.yaml",
    ]);
  });

  it("refuses when the settings or the networks file have problems", async () => {
    const badSettings = await tree({ "otpgw.yaml": "log_level: chatty\n", "routes.yaml": "routes: [\n" });
    const settingsProblems = await problemsOf(loadSettingsAndNetworks({ cwd: badSettings, env: passwords }));
    expect(settingsProblems[0]).toMatch(/^otpgw\.yaml:1: /);
    // routes.yaml is not read once the settings are wrong (where it is comes from them).
    expect(settingsProblems.some((problem) => problem.startsWith("routes.yaml"))).toBe(false);
    const badNetworks = await tree({
      "otpgw.yaml": "networks_file: networks.yaml\n",
      "networks.yaml": "networks: [unclosed\n",
      "routes.yaml": routesYaml([]),
    });
    const found = await problemsOf(loadSettingsAndNetworks({ cwd: badNetworks, env: passwords }));
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((problem) => problem.startsWith("networks.yaml:"))).toBe(true);
  });
});
