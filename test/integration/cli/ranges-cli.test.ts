import { describe, expect, it, onTestFinished } from "vitest";
import { runOtpgw, type CliRun } from "../../helpers/otpgw-cli.js";
import { scanKeys, testRedis } from "../../helpers/redis.js";
import { carrierYaml, tempTree } from "../../unit/config/config-fixtures.js";

/** A configuration tree on the test's Redis and key prefix, and the CLI run on it as user noc-1. */
async function setup() {
  const redis = await testRedis();
  const tree = await tempTree({
    "otpgw.yaml": `log_level: silent\nredis_url: ${redis.url}\nredis_key_prefix: "${redis.prefix}"\n`,
    "carriers/one.yaml": carrierYaml("id-one", ""),
  });
  onTestFinished(() => tree.remove());
  const otpgw = (...args: string[]): Promise<CliRun> =>
    runOtpgw([...args, "--config", `${tree.dir}/otpgw.yaml`], {
      env: { PATH: process.env.PATH, USER: "noc-1" },
    });
  return { otpgw, keys: () => scanKeys(redis.client, `${redis.prefix}*`) };
}

/** A refusal is one line on stderr, exit 1 (a bad command line, as README's exit codes say), nothing written. */
function expectRefused(run: CliRun, text: string): void {
  expect(run.stderr).toContain(text);
  expect(run.stderr.trim().split("\n")).toHaveLength(1);
  expect(run.code).toBe(1);
  expect(run.stdout).toBe("");
}

describe("otpgw ranges block refuses prefixes that cannot match a destination", () => {
  it("refuses a national trunk 0, digits no calling code starts with, and a whole calling code or zone unless --force", async () => {
    const { otpgw, keys } = await setup();
    expectRefused(await otpgw("ranges", "block", "0812345"), "starts with 0, which no E.164 number does");
    expectRefused(await otpgw("ranges", "block", "+0812345", "--force"), "e.g. +62812 for 0812");
    expectRefused(await otpgw("ranges", "block", "+999123"), "does not start with a country calling code");
    expectRefused(await otpgw("ranges", "block", "+62"), "is the whole calling code +62");
    expectRefused(await otpgw("ranges", "block", "6"), "is shorter than a country calling code");
    expectRefused(await otpgw("ranges", "block", "+4"), "add --force if that is what you mean");
    expect(await keys()).toEqual([]);

    const zone = await otpgw("ranges", "block", "+62", "--force", "--reason", "INC-4 country-wide pumping");
    // (It warns that no running instance holds a bind slot here: written all the same.)
    expect(zone.code).toBe(0);
    expect(zone.stdout).toMatch(/^range \+62 blocked for every account by noc-1/m);
    const range = await otpgw("ranges", "block", "+62812");
    expect(range.code).toBe(0);
    expect(range.stdout).toMatch(/^range \+62812 blocked/m);
  });

  it("documents --force in --help", async () => {
    const { otpgw } = await setup();
    const help = await otpgw("ranges", "block", "--help");
    expect(help.stdout).toContain("--force");
    expect(help.stdout).toContain("a country calling code, then at least one");
  });
});
