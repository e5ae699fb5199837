import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, onTestFinished } from "vitest";
import { freePort } from "../../../scripts/lib/free-port.js";
import { carrierKey, indexKey, versionKey } from "../../../src/ops/control-store.js";
import { runOtpgw, type CliRun } from "../../helpers/otpgw-cli.js";
import { scanKeys, testRedis } from "../../helpers/redis.js";
import { carrierYaml, tempTree } from "../../unit/config/config-fixtures.js";

/**
 * A configuration tree on the test's Redis and key prefix (carriers id-one with two binds, id-two), and the CLI run
 * on it as user noc-1, without any carrier password set (operations commands do not need them). `files` add to or
 * replace the tree's files (routes.yaml, accounts.yaml).
 */
async function setup(files: Record<string, string> = {}) {
  const redis = await testRedis();
  const tree = await tempTree({
    "otpgw.yaml": `log_level: silent\nredis_url: ${redis.url}\nredis_key_prefix: "${redis.prefix}"\n`,
    "carriers/one.yaml": carrierYaml("id-one", "binds: 2"),
    "carriers/two.yaml": carrierYaml("id-two", "", 2776),
    ...files,
  });
  onTestFinished(() => tree.remove());
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, USER: "noc-1" };
  const otpgw = (args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliRun> =>
    runOtpgw([...args, "--config", `${tree.dir}/otpgw.yaml`], { env: { ...env, ...extraEnv } });
  return { redis, otpgw, dir: tree.dir, keys: () => scanKeys(redis.client, `${redis.prefix}*`) };
}

/** As a running daemon would: an instance holds id-two's bind slot (the CLI warns when none does). */
async function daemonHoldsASlot(redis: Awaited<ReturnType<typeof testRedis>>): Promise<void> {
  await redis.client.set(`${redis.prefix}slots:id-two:0`, "host-a:2775:8080", "PX", 60_000);
}

/** A refusal is one line on stderr, never a stack trace. */
function expectOneLineRefusal(run: CliRun, text: string): void {
  expect(run.code).toBe(1);
  expect(run.stderr).toContain(text);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  expect(run.stdout).toBe("");
}

describe("otpgw carriers (the command line, on a real Redis)", () => {
  it("drains a carrier with who, why and an end; lists it with its bind slots' holders; undrains it", async () => {
    const { redis, otpgw } = await setup();
    // Another instance holds slot 1 of id-one (as bind-slots.ts writes it).
    await redis.client.set(`${redis.prefix}slots:id-one:1`, "host-b:2775:8080", "PX", 60_000);

    const drain = await otpgw(["carriers", "drain", "id-one", "--reason", "INC-7 no DLRs", "--for", "30m"]);
    expect(drain.stderr).toBe("");
    expect(drain.code).toBe(0);
    expect(drain.stdout).toMatch(/^id-one drained by noc-1 until \S+Z \(in 30m\): INC-7 no DLRs$/m);
    const stored = await redis.client.hgetall(carrierKey(redis.prefix, "id-one"));
    expect(stored).toMatchObject({ drain: "1", drain_by: "noc-1", drain_reason: "INC-7 no DLRs" });
    expect(Number(stored.drain_until) - Number(stored.drain_at)).toBe(30 * 60_000);

    const list = await otpgw(["carriers", "list"]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^id-one\s+drained\s+100 %\s+0: - {2}1: host-b:2775:8080$/m);
    expect(list.stdout).toMatch(
      /^\s+drained by noc-1 at \S+Z until \S+Z \(in (29m \d+s|30m)\): INC-7 no DLRs$/m,
    );
    expect(list.stdout).toMatch(/^id-two\s+active\s+100 %\s+0: -$/m);

    const undrain = await otpgw(["carriers", "undrain", "id-one", "--by", "alice"]);
    expect(undrain.code).toBe(0);
    expect(undrain.stdout).toContain("id-one undrained by alice (drained by noc-1 since ");
    expect(await redis.client.exists(carrierKey(redis.prefix, "id-one"), indexKey(redis.prefix))).toBe(0);
  });

  it("warns, after writing, when no running instance holds a bind slot at that Redis and prefix", async () => {
    const { redis, otpgw } = await setup();
    const drain = await otpgw(["carriers", "drain", "id-one"]);
    expect(drain.code).toBe(0);
    expect(await redis.client.hget(carrierKey(redis.prefix, "id-one"), "drain")).toBe("1");
    expect(drain.stderr).toContain(
      "otpgw: carriers drain: warning: no running instance holds a bind slot of any carrier at redis://",
    );
    await daemonHoldsASlot(redis);
    expect((await otpgw(["carriers", "undrain", "id-one"])).stderr).toBe("");
  });

  it("sets and resets a weight factor, and routes explain applies it", async () => {
    const { redis, otpgw } = await setup();
    const weight = await otpgw(["carriers", "weight", "id-two", "300%"]);
    expect(weight.code).toBe(0);
    expect(weight.stdout).toContain("id-two weight set to 300 % of routes.yaml's by noc-1");
    expect(await redis.client.hget(carrierKey(redis.prefix, "id-two"), "weight")).toBe("300");

    const explain = await otpgw(["routes", "explain", "+6281234567890"]);
    expect(explain.code).toBe(0);
    expect(explain.stdout).toContain("+6281234567890: ID; route indonesia (country ID);");
    // Weights 1 and 1 × 300 %: 25 % and 75 % of first attempts.
    expect(explain.stdout).toMatch(/^id-one\s+1\s+1\s+25 %\s+-$/m);
    expect(explain.stdout).toMatch(/^id-two\s+1\s+3\s+75 %\s+weight 300 % by noc-1$/m);
    expect(explain.stdout).toContain("Operator overrides read from redis://");
    expect(explain.stdout).toContain("No escalation after SMS (routes.yaml escalation:).");

    const reset = await otpgw(["carriers", "weight", "id-two", "--reset"]);
    expect(reset.code).toBe(0);
    expect(reset.stdout).toContain("id-two weight back to routes.yaml's (was 300 %, set by noc-1)");
    expect(await redis.client.exists(carrierKey(redis.prefix, "id-two"))).toBe(0);
  });

  it("refuses an unknown carrier, a bad percentage or duration, and writes nothing", async () => {
    const { otpgw, keys } = await setup();
    const [unknown, zero, tooMuch, both, duration, longReason, resetFor] = await Promise.all([
      otpgw(["carriers", "drain", "id-nope"]),
      otpgw(["carriers", "weight", "id-one", "0"]),
      otpgw(["carriers", "weight", "id-one", "1001"]),
      otpgw(["carriers", "weight", "id-one", "50", "--reset"]),
      otpgw(["carriers", "drain", "id-one", "--for", "30 minutes"]),
      otpgw(["carriers", "drain", "id-one", "--reason", "x".repeat(201)]),
      otpgw(["carriers", "weight", "id-one", "100", "--for", "1h"]),
    ]);
    expectOneLineRefusal(unknown, 'otpgw: carriers drain: unknown carrier "id-nope" (carriers in ');
    expect(unknown.stderr).toContain(": id-one, id-two); nothing was written");
    expectOneLineRefusal(zero, 'otpgw: carriers weight: "0" is not a whole percentage of 1–1000');
    expectOneLineRefusal(tooMuch, '"1001" is not a whole percentage of 1–1000');
    expectOneLineRefusal(both, "give a percentage or --reset, not both");
    expectOneLineRefusal(duration, 'otpgw: carriers drain: --for: "30 minutes" is not a duration');
    expectOneLineRefusal(longReason, "--reason is longer than 200 characters");
    expectOneLineRefusal(resetFor, "--for goes with a percentage other than 100: a reset has no end");
    expect(await keys()).toEqual([]);
  });

  it("says clearly when Redis cannot be reached; routes explain then shows routes.yaml's weights and says so", async () => {
    const { otpgw } = await setup();
    const down = { REDIS_URL: `redis://127.0.0.1:${await freePort()}` };
    const [drain, list, explain] = await Promise.all([
      otpgw(["carriers", "drain", "id-one"], down),
      otpgw(["carriers", "list"], down),
      otpgw(["routes", "explain", "+6281234567890"], down),
    ]);
    expectOneLineRefusal(drain, "otpgw: carriers drain: cannot reach Redis at redis://127.0.0.1:");
    expect(drain.stderr).toContain("ECONNREFUSED");
    expectOneLineRefusal(list, "otpgw: carriers list: cannot reach Redis at redis://127.0.0.1:");
    expect(explain.code).toBe(0);
    expect(explain.stdout).toMatch(/^id-one\s+1\s+1\s+50 %\s+-$/m);
    expect(explain.stdout).toContain("Operator overrides not read (cannot reach Redis at redis://127.0.0.1:");
  });

  it("lists overrides of a carrier no longer configured, and forgets them", async () => {
    const { redis, otpgw } = await setup();
    await redis.client.hset(carrierKey(redis.prefix, "id-old"), {
      drain: "1",
      drain_by: "bob",
      drain_at: String(Date.now()),
    });
    await redis.client.sadd(indexKey(redis.prefix), "id-old");
    const list = await otpgw(["carriers", "list"]);
    expect(list.stdout).toContain("Overrides of carriers not in carriers/");
    expect(list.stdout).toMatch(/^\s+id-old: drained by bob at \S+Z, no end$/m);
    const configured = await otpgw(["carriers", "forget", "id-one"]);
    expectOneLineRefusal(configured, "id-one is a configured carrier: use otpgw carriers undrain id-one");
    const forget = await otpgw(["carriers", "forget", "id-old"]);
    expect(forget.code).toBe(0);
    expect(forget.stdout).toContain("overrides of id-old removed");
    expect(await redis.client.exists(carrierKey(redis.prefix, "id-old"), indexKey(redis.prefix))).toBe(0);
    // Only the version key remains, and it expires.
    expect(await redis.client.pttl(versionKey(redis.prefix))).toBeGreaterThan(0);
  });

  it("judges the ends by Redis's clock, not the host's: a host 2 minutes ahead still sees a --for 1m drain", async () => {
    const { otpgw } = await setup();
    const preload = fileURLToPath(new URL("../../helpers/skewed-clock.mjs", import.meta.url));
    const skewed = (skewMs: number) => ({
      NODE_OPTIONS: `--import ${preload}`,
      OTPGW_TEST_CLOCK_SKEW_MS: String(skewMs),
    });
    const drain = await otpgw(["carriers", "drain", "id-one", "--for", "1m"], skewed(120_000));
    expect(drain.stdout).toMatch(/^id-one drained by noc-1 until \S+Z \(in 1m\)$/m);
    const [ahead, behind, explain] = await Promise.all([
      otpgw(["carriers", "list"], skewed(120_000)),
      otpgw(["carriers", "list"], skewed(-600_000)),
      otpgw(["routes", "explain", "+6281234567890"], skewed(120_000)),
    ]);
    for (const list of [ahead, behind]) {
      expect(list.stdout).toMatch(/^id-one\s+drained\s/m);
      expect(list.stdout).toMatch(/^\s+drained by noc-1 at \S+Z until \S+Z \(in (1m|\d+s)\)$/m);
    }
    expect(explain.stdout).toMatch(/^id-one\s+1\s+0\s+0 %\s+drained by noc-1, ends in (1m|\d+s)$/m);
  });

  it("drains, lists and explains while accounts.yaml is half-edited: no operations command reads it", async () => {
    const { redis, otpgw } = await setup({ "accounts.yaml": "accounts:\n  - id: [half-edited\n" });
    await daemonHoldsASlot(redis);
    const drain = await otpgw(["carriers", "drain", "id-one", "--reason", "INC-9"]);
    expect(drain.stderr).toBe("");
    expect(drain.code).toBe(0);
    expect(await redis.client.hget(carrierKey(redis.prefix, "id-one"), "drain")).toBe("1");
    const [list, explain] = await Promise.all([
      otpgw(["carriers", "list"]),
      otpgw(["routes", "explain", "+6281234567890"]),
    ]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^id-one\s+drained\s/m);
    expect(explain.code).toBe(0);
    expect(explain.stdout).toMatch(/^id-one\s+1\s+0\s+0 %\s+drained by noc-1 \(INC-9\)$/m);
  });

  it("drains a carrier whose system_id is an unset ${VAR} (a NOC host without it), and config check --allow-missing-env keeps it", async () => {
    const { redis, otpgw } = await setup({
      "carriers/one.yaml": carrierYaml("id-one", "binds: 2").replace(
        "system_id: otpgw",
        "system_id: ${TSEL_SYSTEM_ID}",
      ),
    });
    await daemonHoldsASlot(redis);
    const drain = await otpgw(["carriers", "drain", "id-one", "--reason", "INC-10"]);
    expect(drain.stderr).toBe("");
    expect(drain.code).toBe(0);
    expect(await redis.client.hget(carrierKey(redis.prefix, "id-one"), "drain")).toBe("1");
    const check = await otpgw(["config", "check", "--allow-missing-env"]);
    expect(check.stdout).toBe("ok: 2 carriers (id-one, id-two)\n");
    expect(check.code).toBe(0);
  });

  it("refuses, naming the variable, when the Redis URL refers to an unset one: never a wrong-password error", async () => {
    const { redis, otpgw, dir } = await setup();
    const url = redis.url.replace("redis://", "redis://:${REDIS_PASSWORD}@");
    await writeFile(
      join(dir, "otpgw.yaml"),
      `log_level: silent\nredis_url: "${url}"\nredis_key_prefix: "${redis.prefix}"\n`,
    );
    const drain = await otpgw(["carriers", "drain", "id-one"]);
    expectOneLineRefusal(
      drain,
      "redis_url refers to REDIS_PASSWORD, which is not set: set it (or REDIS_URL) to reach the daemons' Redis",
    );
    expect(drain.stderr).not.toMatch(/WRONGPASS|placeholder/);
    expect(await redis.client.hget(carrierKey(redis.prefix, "id-one"), "drain")).toBeNull();
    const check = await otpgw(["config", "check", "--allow-missing-env", "--redis"]);
    expect(check.stderr).toContain("--redis: redis_url refers to REDIS_PASSWORD, which is not set");
    expect(check.code).not.toBe(0);
    // Set, it is used as written.
    const set = await otpgw(["carriers", "drain", "id-one"], { REDIS_PASSWORD: "" });
    expect(set.stderr).not.toContain("redis_url refers to");
  });

  it("routes explain and drain --help say messages are still accepted when every carrier is drained but the route has a channel", async () => {
    const route =
      "routes:\n  - name: indonesia\n    match: { country: ID }\n    carriers: [{ carrier: id-one }]\n";
    const { redis, otpgw, dir } = await setup({ "routes.yaml": `${route}    escalation: [whatsapp]\n` });
    await writeFile(
      join(dir, "otpgw.yaml"),
      `log_level: silent\nredis_url: ${redis.url}\nredis_key_prefix: "${redis.prefix}"\n` +
        'channels:\n  whatsapp: { phone_number_id: "1065", access_token: "${WA_TOKEN}", app_secret: "${WA_SECRET}", template: otp_code }\n',
    );
    await daemonHoldsASlot(redis);
    expect((await otpgw(["carriers", "drain", "id-one"])).code).toBe(0);
    const explain = await otpgw(["routes", "explain", "+6281234567890"]);
    expect(explain.code).toBe(0);
    expect(explain.stdout).toContain(
      "Every carrier of the route is drained: new messages are still accepted where the daemon runs whatsapp",
    );
    expect(explain.stdout).not.toContain("new messages are refused");
    // Without a channel the route refuses them.
    await writeFile(join(dir, "routes.yaml"), route);
    expect((await otpgw(["routes", "explain", "+6281234567890"])).stdout).toContain(
      "Every carrier of the route is drained: new messages are refused (503 / ESME_RMSGQFUL)",
    );
    const help = await otpgw(["carriers", "drain", "--help"]);
    expect(help.stdout.replace(/\s+/g, " ")).toContain(
      "takes no new messages (503 / ESME_RMSGQFUL) unless it escalates to, or tries before SMS, a channel the daemon runs",
    );
  });

  it("drains while routes.yaml is broken; routes explain, which reads it, refuses naming its line", async () => {
    const broken =
      "routes:\n  - name: indonesia\n    match: { country: ID }\n    carriers:\n      - { carrier: id-nope }\n";
    const { redis, otpgw, dir } = await setup({ "routes.yaml": broken });
    await daemonHoldsASlot(redis);
    const drain = await otpgw(["carriers", "drain", "id-one"]);
    expect(drain.stderr).toBe("");
    expect(drain.code).toBe(0);
    expect(await redis.client.hget(carrierKey(redis.prefix, "id-one"), "drain")).toBe("1");
    const explain = await otpgw(["routes", "explain", "+6281234567890"]);
    expect(explain.code).toBe(2);
    expect(explain.stderr).toContain(`${dir}/routes.yaml:5: routes.0.carriers.0.carrier: `);
    expect(explain.stdout).toBe("");
  });

  it("routes explain refuses a number that is not E.164 or has no route", async () => {
    const { otpgw } = await setup();
    const [national, korean] = await Promise.all([
      otpgw(["routes", "explain", "081234567890", "--offline"]),
      otpgw(["routes", "explain", "+821012345678", "--offline"]),
    ]);
    expectOneLineRefusal(
      national,
      'otpgw: routes explain: not a destination otpgw accepts: must start with "+"',
    );
    expectOneLineRefusal(korean, "otpgw: routes explain: no route takes KR numbers");
  });

  it("documents the commands in --help", async () => {
    const [top, carriers, drain] = await Promise.all([
      runOtpgw(["--help"]),
      runOtpgw(["carriers", "--help"]),
      runOtpgw(["carriers", "drain", "--help"]),
    ]);
    expect(top.stdout).toMatch(/^\s+carriers\s+drain or weight carriers on every running instance/m);
    expect(top.stdout).toMatch(/^\s+routes\s+inspect routing/m);
    for (const name of ["list", "drain", "undrain", "weight", "forget"])
      expect(carriers.stdout).toMatch(new RegExp(`^\\s+${name} \\[options\\]`, "m"));
    expect(drain.stdout).toContain("--for <duration>");
    expect(drain.stdout).toMatch(/messages in\s+flight on it finish/);
    expect(drain.stdout).toContain("otpgw carriers drain whatsapp");
  });
});
