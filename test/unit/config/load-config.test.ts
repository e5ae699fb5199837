import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/load-config.js";
import { carrierYaml, problemsOf, tempTree } from "./config-fixtures.js";
import { accountsYaml, fixtureWebhookSecretEnv, routesYaml } from "./config-fixtures.js";

const passwords = {
  ...fixtureWebhookSecretEnv,
  CARRIER_ID_ONE_PASSWORD: "one",
  CARRIER_ID_TWO_PASSWORD: "two",
  CARRIER_ID_TELKOMSEL_PASSWORD: "tsel",
  CARRIER_ID_INDOSAT_PASSWORD: "isat",
  CARRIER_KR_SKT_PASSWORD: "skt",
};

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function tree(files: Record<string, string>): Promise<string> {
  const { dir, remove } = await tempTree(files);
  cleanups.push(remove);
  return dir;
}

describe("loadConfig", () => {
  it("loads every carrier file of the carriers directory, in name order, with daemon defaults", async () => {
    const dir = await tree({
      "carriers/b.yml": carrierYaml("id-two"),
      "carriers/a.yaml": carrierYaml("id-one"),
      "carriers/notes.txt": "not a carrier",
      "carriers/.a.yaml.swp.yaml": "editor backup: ignored",
    });
    const config = await loadConfig({ cwd: dir, env: passwords });
    expect(config.carriers.map((carrier) => [carrier.id, carrier.file, carrier.password])).toEqual([
      ["id-one", "carriers/a.yaml", "one"],
      ["id-two", "carriers/b.yml", "two"],
    ]);
    expect(config.daemon).toEqual({
      logLevel: "info",
      carriersDir: join(dir, "carriers"),
      routesFile: join(dir, "routes.yaml"),
      accountsFile: join(dir, "accounts.yaml"),
      networksFile: fileURLToPath(new URL("../../../data/networks.yaml", import.meta.url)),
      redisKeyPrefix: "otpgw:",
      redisBatchDelayMs: 0,
      redisWait: { replicas: 0, timeoutMs: 1000 },
      retention: { bodyMs: 0, messageMs: 604_800_000, idempotencyMs: 86_400_000 },
      delivery: {
        minRemainingValidityMs: 10_000,
        retryUnavailableMs: 1000,
        timerPollMs: 100,
        timerLeaseMs: 15_000,
      },
      http: { host: "0.0.0.0", port: 8080, maxConnections: 1000 },
      metrics: { host: "0.0.0.0", port: 9464 },
      smpp: {
        enabled: true,
        host: "0.0.0.0",
        port: 2775,
        sessionInitMs: 10_000,
        maxSessions: 1000,
        maxUnboundPerAddress: 10,
        inactivityMs: 120_000,
        windowSize: 10,
      },
      shutdownTimeoutMs: 25_000,
      webhookPrivateAddresses: "refuse",
      channels: {},
    });
  });

  it("reads otpgw.yaml from the working directory and resolves its paths against the file's directory", async () => {
    const dir = await tree({
      "otpgw.yaml":
        "log_level: debug\ncarriers_dir: ops/carriers\nredis_url: redis://:${REDIS_PASSWORD}@db:6379\n",
      "ops/carriers/one.yaml": carrierYaml("id-one"),
      "elsewhere/settings.yaml": "carriers_dir: ../ops/carriers\nhttp: { port: 0 }\n",
      "elsewhere/routes.yaml": routesYaml(["id-one"]),
      "elsewhere/accounts.yaml": accountsYaml,
    });
    const config = await loadConfig({ cwd: dir, env: { ...passwords, REDIS_PASSWORD: "pw" } });
    expect(config.daemon).toMatchObject({
      file: "otpgw.yaml",
      logLevel: "debug",
      carriersDir: join(dir, "ops/carriers"),
      redisUrl: "redis://:pw@db:6379",
    });

    const named = await loadConfig({
      cwd: join(dir, "ops"),
      configFile: "../elsewhere/settings.yaml",
      env: passwords,
    });
    expect(named.daemon.carriersDir).toBe(join(dir, "ops/carriers"));
    expect(named.daemon.http.port).toBe(0);
    expect(named.carriers.map((carrier) => carrier.id)).toEqual(["id-one"]);
  });

  it("lets environment variables override the settings file, and --carriers override both", async () => {
    const dir = await tree({
      "otpgw.yaml": "log_level: debug\nhttp:\n  port: 8000\n",
      "carriers/one.yaml": carrierYaml("id-one"),
      "other/two.yaml": carrierYaml("id-two"),
      "routes-two.yaml": routesYaml(["id-two"]),
    });
    const env = {
      ...passwords,
      OTPGW_LOG_LEVEL: "warn",
      OTPGW_HTTP_PORT: "8081",
      REDIS_URL: "redis://r:6379",
      OTPGW_METRICS_PORT: "",
    };
    const config = await loadConfig({ cwd: dir, env });
    expect(config.daemon).toMatchObject({
      logLevel: "warn",
      http: { port: 8081 },
      metrics: { port: 9464 },
      redisUrl: "redis://r:6379",
    });
    expect(config.carriers.map((carrier) => carrier.id)).toEqual(["id-one"]);

    const routesTwo = { OTPGW_ROUTES_FILE: "routes-two.yaml" };
    const fromEnv = await loadConfig({
      cwd: dir,
      env: { ...env, ...routesTwo, OTPGW_CARRIERS_DIR: "other" },
    });
    expect(fromEnv.carriers.map((carrier) => carrier.id)).toEqual(["id-two"]);
    const fromFlag = await loadConfig({
      cwd: dir,
      env: { ...env, OTPGW_CARRIERS_DIR: "other" },
      carriersDir: "carriers",
    });
    expect(fromFlag.carriers.map((carrier) => carrier.id)).toEqual(["id-one"]);
  });

  it("reports an invalid environment override by its variable name", async () => {
    const dir = await tree({ "carriers/one.yaml": carrierYaml("id-one") });
    const env = { ...passwords, OTPGW_HTTP_PORT: "80a", OTPGW_LOG_LEVEL: "loud" };
    expect(await problemsOf(loadConfig({ cwd: dir, env }))).toEqual([
      'environment: OTPGW_LOG_LEVEL: must be one of "fatal", "error", "warn", "info", "debug", "trace", "silent" (got "loud")',
      "environment: OTPGW_HTTP_PORT: expected a number, got a string",
    ]);
  });

  it("checks escalation channels whose secrets are unset when told to allow it, and says which are unset otherwise", async () => {
    const channels = [
      "channels:",
      "  voice:",
      "    api_url: https://voice.example/v1/calls",
      "    api_key: ${VOICE_KEY}",
      "    callback_secret: ${VOICE_SECRET}",
      "    callback_url: https://otpgw.example/v1/channels/voice/status",
      "",
    ].join("\n");
    const dir = await tree({ "otpgw.yaml": channels, "carriers/one.yaml": carrierYaml("id-one") });
    const allowed = await loadConfig({ cwd: dir, env: passwords, allowMissingEnv: true });
    expect(allowed.daemon.channels.voice?.callbackUrl).toBe("https://otpgw.example/v1/channels/voice/status");
    expect(await problemsOf(loadConfig({ cwd: dir, env: passwords }))).toEqual([
      "otpgw.yaml:4: channels.voice.api_key: environment variable VOICE_KEY is not set",
      "otpgw.yaml:5: channels.voice.callback_secret: environment variable VOICE_SECRET is not set",
    ]);
  });

  it("reports problems in the settings file with their lines, and still checks the carriers", async () => {
    const dir = await tree({
      "otpgw.yaml": "# settings\nlog_level: info\nhttp:\n  port: 8000\nmetrcs: {}\nshutdown_timeout_ms: -1\n",
      "carriers/one.yaml": carrierYaml("id-one", "window: 0"),
    });
    expect(await problemsOf(loadConfig({ cwd: dir, env: passwords }))).toEqual([
      "otpgw.yaml:5: metrcs: unknown key (did you mean metrics?)",
      "otpgw.yaml:6: shutdown_timeout_ms: must be at least 1",
      "carriers/one.yaml:7: window: must be at least 1",
    ]);
  });

  it("takes the Redis batch delay in whole milliseconds up to 20, and says why it refuses others", async () => {
    const ok = await tree({
      "otpgw.yaml": "redis_batch_delay_ms: 2\n",
      "carriers/one.yaml": carrierYaml("id-one"),
    });
    expect((await loadConfig({ cwd: ok, env: passwords })).daemon.redisBatchDelayMs).toBe(2);
    for (const [value, problem] of [
      ["21", "must be at most 20"],
      ["-1", "must be at least 0"],
      ["1.5", "must be a whole number"],
    ]) {
      const bad = await tree({
        "otpgw.yaml": `redis_batch_delay_ms: ${value}\n`,
        "carriers/one.yaml": carrierYaml("id-one"),
      });
      expect(await problemsOf(loadConfig({ cwd: bad, env: passwords }))).toEqual([
        `otpgw.yaml:1: redis_batch_delay_ms: ${problem}`,
      ]);
    }
  });

  it("refuses a metrics port equal to the HTTP port", async () => {
    const dir = await tree({
      "otpgw.yaml": "http: { port: 9000 }\nmetrics:\n  port: 9000\n",
      "carriers/one.yaml": carrierYaml("id-one"),
    });
    expect(await problemsOf(loadConfig({ cwd: dir, env: passwords }))).toEqual([
      "otpgw.yaml:3: metrics.port: must differ from http.port (9000)",
    ]);
  });

  it("refuses an Idempotency-Key retention longer than the message's (a repeat would find no message)", async () => {
    const dir = await tree({
      "otpgw.yaml": "retention:\n  message_seconds: 3600\n",
      "carriers/one.yaml": carrierYaml("id-one"),
    });
    expect(await problemsOf(loadConfig({ cwd: dir, env: passwords }))).toEqual([
      "otpgw.yaml:1: retention.idempotency_seconds: must not exceed retention.message_seconds (3600): an Idempotency-Key must not outlive its message",
    ]);
    const ok = await tree({
      "otpgw.yaml": "retention:\n  message_seconds: 3600\n  idempotency_seconds: 3600\n",
      "carriers/one.yaml": carrierYaml("id-one"),
    });
    await expect(loadConfig({ cwd: ok, env: passwords })).resolves.toBeDefined();
  });

  it("refuses an account validity shorter than the daemon's min_remaining_validity_seconds allows", async () => {
    const dir = await tree({
      "otpgw.yaml": "delivery:\n  min_remaining_validity_seconds: 30\n",
      "accounts.yaml": accountsYaml.replace(
        "    rate_per_second: 10\n",
        "    rate_per_second: 10\n    max_validity_seconds: 20\n",
      ),
      "carriers/one.yaml": carrierYaml("id-one"),
    });
    expect(await problemsOf(loadConfig({ cwd: dir, env: passwords }))).toEqual([
      "accounts.yaml:7: accounts.0.max_validity_seconds: must be at least 31 (delivery.min_remaining_validity_seconds + 1): no attempt starts closer to an OTP's expiry, so a shorter validity could only expire",
    ]);
  });

  it("reports a carrier id used by two files, pointing at both", async () => {
    const dir = await tree({
      "carriers/a.yaml": carrierYaml("id-one"),
      "carriers/b.yaml": `# copy of a.yaml\n${carrierYaml("id-one", "", 2776)}`,
    });
    expect(await problemsOf(loadConfig({ cwd: dir, env: passwords }))).toEqual([
      'carriers/b.yaml:2: id: duplicate carrier id "id-one" (also in carriers/a.yaml:1)',
    ]);
  });

  it("reports every problem in every file at once", async () => {
    const dir = await tree({
      "otpgw.yaml": "log_level: chatty\n",
      "carriers/a.yaml": carrierYaml("id-one", "reconnect:\n  min_delay_ms: 10\n  max_delay_ms: 5"),
      "carriers/b.yaml": carrierYaml("id-two", "windw: 4").replace("port: 2775", "port: 0"),
      "carriers/c.yaml": "id: [unclosed\n",
      "carriers/d.yaml": carrierYaml("id-one"),
    });
    const env = { CARRIER_ID_ONE_PASSWORD: "one" };
    expect(await problemsOf(loadConfig({ cwd: dir, env }))).toEqual([
      'otpgw.yaml:1: log_level: must be one of "fatal", "error", "warn", "info", "debug", "trace", "silent" (got "chatty")',
      "carriers/a.yaml:8: reconnect.min_delay_ms: must not exceed max_delay_ms (10 > 5)",
      "carriers/b.yaml:3: port: must be at least 1",
      "carriers/b.yaml:5: password: environment variable CARRIER_ID_TWO_PASSWORD is not set",
      "carriers/b.yaml:7: windw: unknown key (did you mean window?)",
      "carriers/c.yaml:2: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]",
      'carriers/d.yaml:1: id: duplicate carrier id "id-one" (also in carriers/a.yaml:1)',
    ]);
  });

  it("reads networks_file relative to otpgw.yaml, reports its problems, and checks routes.yaml's networks against it", async () => {
    const dir = await tree({
      "conf/otpgw.yaml": "networks_file: nets.yaml\ncarriers_dir: carriers\n",
      "conf/carriers/a.yaml": carrierYaml("id-one"),
      "conf/accounts.yaml": accountsYaml,
      "conf/nets.yaml":
        'networks:\n  - { mccmnc: "510-10", name: T, country: ID, prefixes: ["+62811"] }\n  - { mccmnc: "510-10", name: U, country: ID }\n',
      "conf/routes.yaml":
        'routes:\n  - { name: t, match: { network: "510-01" }, carriers: [{ carrier: id-one }] }\n',
    });
    const env = { CARRIER_ID_ONE_PASSWORD: "one", ...fixtureWebhookSecretEnv };
    expect(await problemsOf(loadConfig({ cwd: dir, configFile: join(dir, "conf/otpgw.yaml"), env }))).toEqual(
      [
        "conf/nets.yaml:3: networks.1.mccmnc: duplicate network 510-10 (also at line 2)",
        "conf/routes.yaml:2: routes.0.match.network: network 510-01 is not in the networks file (otpgw.yaml networks_file)",
      ],
    );
  });

  it("refuses to run without carriers", async () => {
    const empty = await tree({ "carriers/README.md": "no carriers yet" });
    expect(await problemsOf(loadConfig({ cwd: empty, env: fixtureWebhookSecretEnv }))).toEqual([
      "carriers: no carriers configured (no *.yaml or *.yml file)",
      "routes.yaml: cannot read file: not found",
    ]);
    expect(
      await problemsOf(loadConfig({ cwd: empty, env: fixtureWebhookSecretEnv, carriersDir: "missing" })),
    ).toEqual([
      "missing: cannot read carriers directory: not found",
      "routes.yaml: cannot read file: not found",
    ]);
  });

  it("reports a named settings file that does not exist", async () => {
    const dir = await tree({ "carriers/one.yaml": carrierYaml("id-one") });
    expect(await problemsOf(loadConfig({ cwd: dir, env: passwords, configFile: "nope.yaml" }))).toEqual([
      "nope.yaml: cannot read file: not found",
    ]);
    expect(
      await problemsOf(loadConfig({ cwd: dir, env: { ...passwords, OTPGW_CONFIG: "gone.yaml" } })),
    ).toEqual(["gone.yaml: cannot read file: not found"]);
  });

  it("still checks the default carriers directory when the settings file is not valid YAML", async () => {
    const dir = await tree({
      "otpgw.yaml": "http: {port: 1\n",
      "carriers/one.yaml": carrierYaml("id-one", "binds: 0"),
    });
    const found = await problemsOf(loadConfig({ cwd: dir, env: passwords }));
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^otpgw\.yaml:\d+: YAML syntax error: /);
    expect(found[1]).toBe("carriers/one.yaml:7: binds: must be at least 1");
  });

  it("accepts the example configuration shipped in the repository", async () => {
    const root = fileURLToPath(new URL("../../..", import.meta.url));
    const config = await loadConfig({
      cwd: root,
      env: { ...passwords, ACCOUNT_ACME_WEBHOOK_SECRET: "example-secret-0123456789" },
    });
    expect(config.routes.specs.map((route) => route.name)).toContain("indonesia");
    expect(config.accounts.accounts.map((account) => account.id)).toEqual(["acme"]);
    expect(config.carriers.map((carrier) => [carrier.id, carrier.host, carrier.port])).toEqual([
      ["id-indosat", "127.0.0.1", 2776],
      ["id-telkomsel", "127.0.0.1", 2775],
      ["kr-skt", "127.0.0.1", 2777],
    ]);
    expect(config.daemon.file).toBe("otpgw.yaml");
  });
});
