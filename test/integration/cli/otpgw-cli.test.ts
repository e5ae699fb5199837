import { copyFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPrivateRedis } from "../../../scripts/lib/private-redis.js";
import { daemonEnvOverrides } from "../../../src/config/daemon-env.js";
import { runOtpgw, type CliRun } from "../../helpers/otpgw-cli.js";
import { sentinelGroup } from "../../helpers/redis-sentinel.js";
import { testCertificates } from "../../helpers/tls-certificates.js";
import { carrierYaml, tempTree } from "../../unit/config/config-fixtures.js";
import { fixtureWebhookSecretEnv } from "../../unit/config/config-fixtures.js";

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));

/** The environment without anything that would change how otpgw reads its configuration. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(OTPGW_|CARRIER_|REDIS_URL$)/.test(name)) env[name] = value;
  }
  return { ...env, ...extra };
}

/** Runs the CLI from source, as `npm run otpgw` does, in `env`. */
function otpgw(args: string[], env: NodeJS.ProcessEnv = cleanEnv()): Promise<CliRun> {
  return runOtpgw(args, { env });
}

const passwords = {
  ...fixtureWebhookSecretEnv,
  CARRIER_ID_ONE_PASSWORD: "one",
  CARRIER_ID_TWO_PASSWORD: "two",
};

describe("otpgw command line", () => {
  let valid: Awaited<ReturnType<typeof tempTree>>;
  let invalid: Awaited<ReturnType<typeof tempTree>>;

  beforeAll(async () => {
    valid = await tempTree({
      "otpgw.yaml": "log_level: silent\nmetrics: { port: 0 }\nhttp: { port: 0 }\n",
      "carriers/one.yaml": carrierYaml("id-one"),
      "carriers/two.yaml": carrierYaml("id-two", "", 2776),
    });
    invalid = await tempTree({
      "otpgw.yaml": "log_level: silent\n",
      "carriers/one.yaml": carrierYaml("id-one", "window: 0"),
      "carriers/two.yaml": carrierYaml("id-two", "throughput: 5"),
    });
  });

  afterAll(async () => {
    await valid.remove();
    await invalid.remove();
  });

  it("lists its commands and the exit codes in --help", async () => {
    const run = await otpgw(["--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: otpgw \[options\] \[command\]/);
    expect(run.stdout).toMatch(/^\s+start \[options\]\s+validate the configuration and run the gateway/m);
    expect(run.stdout).toMatch(/^\s+config\s+work with the configuration files/m);
    expect(run.stdout).toContain("Exit codes: 0 ok, 1 failure or bad command line, 2 invalid configuration.");
    // Every variable that overrides otpgw.yaml, and the env-only secret, is named.
    for (const { variable } of daemonEnvOverrides)
      expect(run.stdout).toMatch(new RegExp(`\\b${variable}\\b`));
    expect(run.stdout).toContain("OTPGW_REDIS_SENTINEL_PASSWORD");

    const config = await otpgw(["config", "--help"]);
    expect(config.code).toBe(0);
    expect(config.stdout).toMatch(
      /^\s+check \[options\]\s+validate the settings, routes, accounts and every/m,
    );
  });

  it("prints the version from package.json", async () => {
    const { version } = JSON.parse(await readFile(join(repoRoot, "package.json"), "utf8")) as {
      version: string;
    };
    const run = await otpgw(["--version"]);
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 0, stdout: `${version}\n` });
  });

  it("config check prints the carriers and exits 0 when every file is valid", async () => {
    const run = await otpgw(
      ["config", "check", "--config", join(valid.dir, "otpgw.yaml")],
      cleanEnv(passwords),
    );
    expect(run).toEqual({ code: 0, stdout: "ok: 2 carriers (id-one, id-two)\n", stderr: "" });
  });

  it.each([
    [
      "a channel no route uses",
      "routes:\n  - name: indonesia\n    match: { country: ID }\n    carriers: [{ carrier: id-one }]\n    escalation: [whatsapp]\n",
      "channel whatsapp: routes escalating to it: indonesia\n" +
        "channel voice: configured, but no route uses it (routes.yaml escalation: or before_sms:)\n",
    ],
    [
      "a channel only tried before SMS as used",
      "routes:\n  - name: indonesia\n    match: { country: ID }\n    carriers: [{ carrier: id-one }]\n" +
        "    escalation: [whatsapp]\n    before_sms: [voice]\n" +
        '  - name: telkomsel\n    match: { prefix: "+62811" }\n    carriers: [{ carrier: id-one }]\n    before_sms: [whatsapp]\n',
      "channel whatsapp: routes escalating to it: indonesia; routes trying it before SMS: telkomsel\n" +
        "channel voice: routes trying it before SMS: indonesia\n",
    ],
  ])(
    "config check names the escalation channels and the routes using each: %s",
    async (_, routes, channels) => {
      const tree = await tempTree({
        "otpgw.yaml": [
          "log_level: silent",
          "channels:",
          '  whatsapp: { phone_number_id: "1065", access_token: "${WA_TOKEN}", app_secret: "${WA_SECRET}", template: otp_code }',
          "  voice:",
          "    api_url: https://voice.example/v1/calls",
          "    api_key: ${VOICE_KEY}",
          "    callback_secret: ${VOICE_SECRET}",
          "    callback_url: https://otpgw.example/v1/channels/voice/status",
          "",
        ].join("\n"),
        "carriers/one.yaml": carrierYaml("id-one"),
        "routes.yaml": routes,
      });
      const secrets = {
        WA_TOKEN: "wa-token",
        WA_SECRET: "wa-secret-0123456789",
        VOICE_KEY: "voice-key",
        VOICE_SECRET: "voice-secret-0123456789",
      };
      try {
        const run = await otpgw(
          ["config", "check", "--config", join(tree.dir, "otpgw.yaml")],
          cleanEnv({ ...passwords, ...secrets }),
        );
        expect(run).toEqual({
          code: 0,
          stdout: "ok: 1 carrier (id-one)\n" + channels,
          stderr: "",
        });
      } finally {
        await tree.remove();
      }
    },
  );

  it("config check names the networks file when routes match by network", async () => {
    const tree = await tempTree({
      "otpgw.yaml": "log_level: silent\nnetworks_file: nets/id.yaml\n",
      "nets/id.yaml":
        'networks:\n  - { mccmnc: "510-10", name: Telkomsel, country: ID, prefixes: ["+62811"] }\n',
      "carriers/one.yaml": carrierYaml("id-one"),
      "routes.yaml":
        "routes:\n  - { name: indonesia, match: { country: ID }, carriers: [{ carrier: id-one }] }\n" +
        '  - { name: telkomsel, match: { network: "510-10" }, carriers: [{ carrier: id-one }] }\n',
    });
    try {
      const run = await otpgw(
        ["config", "check", "--config", join(tree.dir, "otpgw.yaml")],
        cleanEnv(passwords),
      );
      expect(run.stderr).toBe("");
      expect(run.stdout).toMatch(
        /^ok: 1 carrier \(id-one\)\nnetworks: 1 in \S*nets\/id\.yaml; routes matching by network: telkomsel\n$/,
      );
    } finally {
      await tree.remove();
    }
  });

  it("config check prints every problem as file:line: path: reason and exits 2", async () => {
    const run = await otpgw(
      [
        "config",
        "check",
        "--config",
        join(invalid.dir, "otpgw.yaml"),
        "--carriers",
        join(invalid.dir, "carriers"),
      ],
      cleanEnv(passwords),
    );
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr.split("\n")).toEqual([
      "otpgw: invalid configuration (2 problems):",
      `${join(invalid.dir, "carriers/one.yaml")}:7: window: must be at least 1`,
      `${join(invalid.dir, "carriers/two.yaml")}:7: throughput: unknown key (did you mean throughput_per_second?)`,
      "",
    ]);
  });

  it("config check --redis through Sentinel: the primary the sentinels name, its replicas in sync, too few of them for redis_wait_replicas refused", async () => {
    const group = await sentinelGroup(1);
    const args = ["config", "check", "--config", join(valid.dir, "otpgw.yaml"), "--redis"];
    const env = (replicas: number) =>
      cleanEnv({ ...passwords, REDIS_URL: group.url, OTPGW_REDIS_WAIT_REPLICAS: String(replicas) });
    const ok = await otpgw(args, env(1));
    expect(ok.stderr).toBe("");
    expect(ok.stdout).toMatch(/redis: ok \(Redis [\d.]+, master, 1 replica in sync, /);
    const strict = await otpgw(args, env(2));
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/redis problem: redis_wait_replicas is 2 but 1 replica\(s\) are in sync/);
  }, 60_000);

  it("config check --redis checks Redis's settings as start-up would: ok, refused with the setting named, unreachable", async () => {
    const redis = await startPrivateRedis({ appendfsync: "everysec" });
    const admin = new Redis(redis.url);
    admin.on("error", () => undefined);
    try {
      const args = ["config", "check", "--config", join(valid.dir, "otpgw.yaml"), "--redis"];
      const ok = await otpgw(args, cleanEnv({ ...passwords, REDIS_URL: redis.url }));
      expect(ok.stderr).toBe("");
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(
        /^ok: 2 carriers \(id-one, id-two\)\nredis: ok \(Redis \d+\.\d+\.\d+, master, 0 replicas in sync, maxmemory-policy noeviction, appendonly yes, appendfsync everysec\)\n$/,
      );

      await admin.config("SET", "maxmemory", "100mb");
      await admin.config("SET", "maxmemory-policy", "allkeys-lru");
      await admin.config("SET", "appendonly", "no");
      const refused = await otpgw(args, cleanEnv({ ...passwords, REDIS_URL: redis.url }));
      expect(refused.code).toBe(1);
      expect(refused.stdout).toMatch(/^redis warning: Redis's append-only file is off/m);
      expect(refused.stderr).toMatch(/^redis problem: .*100 MB, maxmemory-policy allkeys-lru/m);
      expect(refused.stderr).toMatch(
        /^otpgw: config check failed: otpgw would refuse to start on this Redis/m,
      );

      admin.disconnect();
      await redis.stop();
      const down = await otpgw(args, cleanEnv({ ...passwords, REDIS_URL: redis.url }));
      expect(down.code).toBe(1);
      expect(down.stderr).toMatch(
        /^otpgw: config check failed: cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/m,
      );
    } finally {
      admin.disconnect();
      await redis.stop();
    }
  });

  it("config check refuses a Redis password with an unencoded / without printing it, and reaches Redis with it percent-encoded", async () => {
    const redis = await startPrivateRedis({ appendfsync: "always" });
    const admin = new Redis(redis.url);
    admin.on("error", () => undefined);
    const password = "ab/cd@SECRET+x=";
    try {
      await admin.config("SET", "requirepass", password);
      const url = (pw: string) => redis.url.replace("redis://", `redis://:${pw}@`);
      const args = ["config", "check", "--config", join(valid.dir, "otpgw.yaml"), "--redis"];
      const raw = await otpgw(args, cleanEnv({ ...passwords, REDIS_URL: url(password) }));
      expect(raw.code).toBe(2);
      expect(raw.stderr).toMatch(
        /REDIS_URL: is not a URL with a host: .* must be percent-encoded \(\/ as %2F/,
      );
      expect(raw.stdout + raw.stderr).not.toContain("SECRET");
      const encoded = await otpgw(
        args,
        cleanEnv({ ...passwords, REDIS_URL: url(encodeURIComponent(password)) }),
      );
      expect(encoded.stderr).toBe("");
      expect(encoded.stdout).toMatch(/^redis: ok \(Redis /m);
    } finally {
      admin.disconnect();
      await redis.stop();
    }
  });

  it("config check reads the SMPP TLS listener's files: one missing or not PEM is a configuration problem naming the setting", async () => {
    const tree = await tempTree({
      "otpgw.yaml":
        "log_level: silent\nsmpp: { tls: { port: 0, key_file: tls/nope.key, cert_file: tls/cert.pem } }\n",
      "tls/cert.pem": "not a certificate\n",
      "carriers/one.yaml": carrierYaml("id-one"),
    });
    try {
      const run = await otpgw(
        ["config", "check", "--config", join(tree.dir, "otpgw.yaml")],
        cleanEnv(passwords),
      );
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(
        `smpp.tls.key_file: cannot read ${join(tree.dir, "tls/nope.key")} (ENOENT)`,
      );
      await writeFile(join(tree.dir, "tls/nope.key"), "not a key either\n");
      const garbage = await otpgw(
        ["config", "check", "--config", join(tree.dir, "otpgw.yaml")],
        cleanEnv(passwords),
      );
      expect(garbage.code).toBe(2);
      expect(garbage.stderr).toContain(
        `smpp.tls.cert_file: ${join(tree.dir, "tls/cert.pem")} holds no PEM certificate`,
      );
      // Valid files: accepted, and the certificate named with its end of validity.
      const certs = testCertificates();
      await copyFile(certs.serverCertFile, join(tree.dir, "tls/cert.pem"));
      await copyFile(certs.serverKeyFile, join(tree.dir, "tls/nope.key"));
      const good = await otpgw(
        ["config", "check", "--config", join(tree.dir, "otpgw.yaml")],
        cleanEnv(passwords),
      );
      expect(good.stderr).toBe("");
      expect(good.code).toBe(0);
      expect(good.stdout).toMatch(
        /^tls: smpp\.tls: "CN=127\.0\.0\.1" valid until \d{4}-\d\d-\d\d \(0 days\)$/m,
      );
    } finally {
      await tree.remove();
    }
  });

  it("config check --allow-missing-env passes where the secrets are not set, and fails without it", async () => {
    const args = ["config", "check", "--config", join(valid.dir, "otpgw.yaml")];
    const strict = await otpgw(args);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toContain(
      `${join(valid.dir, "carriers/one.yaml")}:5: password: environment variable CARRIER_ID_ONE_PASSWORD is not set`,
    );
    const lenient = await otpgw([...args, "--allow-missing-env"]);
    expect({ code: lenient.code, stdout: lenient.stdout }).toEqual({
      code: 0,
      stdout: "ok: 2 carriers (id-one, id-two)\n",
    });
  });

  it("start refuses to start with an invalid carrier file: exit 2, the problems on stderr, nothing logged", async () => {
    const run = await otpgw(["start", "--config", join(invalid.dir, "otpgw.yaml")], cleanEnv(passwords));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${join(invalid.dir, "carriers/one.yaml")}:7: window: must be at least 1\n`);
    expect(run.stdout).toBe("");
  });

  it("exits 1 on an unknown command, suggesting the closest one", async () => {
    const run = await otpgw(["strat"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error: unknown command 'strat'");
    expect(run.stderr).toContain("(Did you mean start?)");
  });
});
