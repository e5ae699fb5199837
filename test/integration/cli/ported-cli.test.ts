import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { freePort } from "../../../scripts/lib/free-port.js";
import { runCli } from "../../../src/cli/program.js";
import { silentLogger } from "../../../src/observability/logger.js";
import { portedNumbersKey, portedVersionKey } from "../../../src/ops/ported-store.js";
import { scanKeys, testRedis } from "../../helpers/redis.js";
import { tempTree } from "../../unit/config/config-fixtures.js";

/** A carrier file serving Korea and Indonesia (the fixtures' carrierYaml serves Indonesia only). */
function carrier(id: string, port: number): string {
  return [
    `id: ${id}`,
    "host: 127.0.0.1",
    `port: ${port}`,
    "system_id: otpgw",
    `password: \${CARRIER_${id.toUpperCase().replace(/-/g, "_")}_PASSWORD}`,
    "countries: [KR, ID]",
  ].join("\n");
}

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

const KR = "+821012345678";

/**
 * A configuration tree on the test's Redis and key prefix, with the shipped networks file (data/networks.yaml), and
 * `otpgw …` run in this process on it (the code path the command line runs) as user noc-1.
 */
async function setup() {
  const redis = await testRedis();
  const tree = await tempTree({
    "otpgw.yaml": `log_level: silent\nredis_url: ${redis.url}\nredis_key_prefix: "${redis.prefix}"\n`,
    "carriers/skt.yaml": carrier("kr-skt", 2775),
    "carriers/kt.yaml": carrier("kr-kt", 2776),
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

type Run = Awaited<ReturnType<Awaited<ReturnType<typeof setup>>["otpgw"]>>;

/** A refusal is one line on stderr, never a stack trace, and nothing on stdout. */
function expectRefusal(run: Run, text: string): void {
  expect(run.code).toBe(1);
  expect(run.stderr).toContain(text);
  expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(run.stdout).toBe("");
}

describe("otpgw ported (the command line, on a real Redis)", () => {
  it("sets a number's network, shows it with the route it now takes, changes and unsets it", async () => {
    const { otpgw, stored, redis } = await setup();
    const set = await otpgw(["ported", "set", KR, "450-08"]);
    expect(set.code).toBe(0);
    expect(set.stdout).toContain(`${KR} (KR) is now on 450-08 KT, set by noc-1 (it was not ported;`);
    expect(await stored()).toEqual({ [KR]: "450-08" });

    const show = await otpgw(["ported", "show", KR]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/^range network\s+none: no KR network of the networks file has this range/m);
    expect(show.stdout).toMatch(/^ported entry\s+450-08 KT$/m);
    expect(show.stdout).toMatch(/^network used\s+450-08 KT \(its ported entry\)$/m);
    expect(show.stdout).toMatch(/^route\s+korea-kt \(network 450-08, ported\)$/m);
    expect(show.stdout).toMatch(/last changed by noc-1 at \S+Z\.$/m);

    const change = await otpgw(["ported", "set", KR, "450-05", "--by", "alice"]);
    expect(change.stdout).toContain(
      `${KR} (KR) is now on 450-05 SK Telecom, set by alice (it was on 450-08 KT)`,
    );
    const json = JSON.parse((await otpgw(["ported", "show", KR, "--json"])).stdout) as Record<
      string,
      unknown
    >;
    expect(json).toMatchObject({
      number: KR,
      country: "KR",
      range_network: null,
      ported: { mccmnc: "450-05", name: "SK Telecom", ignored: null },
      network: { mccmnc: "450-05", source: "ported" },
      route: { name: "korea", matched_by: "country KR" },
      last_change: { by: "alice" },
    });
    const again = await otpgw(["ported", "set", KR, "450-05"]);
    expect(again.stdout).toBe(`${KR} (KR) is on 450-05 SK Telecom already: nothing written\n`);

    const unset = await otpgw(["ported", "unset", KR, "+821099999999"]);
    expect(unset.code).toBe(0);
    expect(unset.stdout).toContain(`${KR}: removed (it was on 450-05 SK Telecom)`);
    expect(unset.stdout).toContain("+821099999999: not ported, nothing to remove");
    expect(unset.stdout).toContain("1 of the 2 numbers given removed from the ported numbers by noc-1.");
    expect(await stored()).toEqual({});
    const after = await otpgw(["ported", "show", KR]);
    expect(after.stdout).toMatch(/^ported entry\s+none \(not ported\)$/m);
    expect(after.stdout).toMatch(/^route\s+korea \(country KR\)$/m);

    // Nothing to remove: no new version, so the daemons do not read every ported number again.
    const version = await redis.client.get(portedVersionKey(redis.prefix));
    const none = await otpgw(["ported", "unset", KR]);
    expect(none.stdout).toContain("none of the number given was ported: nothing removed");
    expect(await redis.client.get(portedVersionKey(redis.prefix))).toBe(version);
  });

  it("goes on with one warning when routes.yaml has a problem (show: the route not known), and refuses when the networks file has one", async () => {
    const { otpgw, file, stored, redis } = await setup();
    // A route naming a carrier that has no file: routes.yaml is invalid (the daemons keep the table they run).
    await file("routes.yaml", [
      "routes:",
      "  - name: korea",
      "    match: { country: KR }",
      "    carriers: [{ carrier: kr-lgu }]",
    ]);
    const set = await otpgw(["ported", "set", KR, "450-08"]);
    expect(set.code).toBe(0);
    expect(set.stdout).toContain(`${KR} (KR) is now on 450-08 KT, set by noc-1`);
    expect(set.stdout).toContain("whether routing uses ported numbers is not known here");
    // One line for routes.yaml (the other: no daemon runs at this Redis, which is so here).
    const warning = set.stderr.trimEnd().split("\n");
    expect(warning.filter((line) => line.includes("routes.yaml"))).toHaveLength(1);
    expect(warning[0]).toMatch(
      /^otpgw: ported set: warning: routes\.yaml not used .*routes\.yaml:4: .*kr-lgu/,
    );
    expect(await stored()).toEqual({ [KR]: "450-08" });
    const list = await otpgw(["ported", "list"]);
    expect(list.code).toBe(0);
    expect(list.stderr).toBe("");
    // show gives the number's networks, and says the route is not known here.
    const show = await otpgw(["ported", "show", KR]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/^network used\s+450-08 KT \(its ported entry\)$/m);
    expect(show.stdout).toMatch(/^route\s+not known: routes\.yaml not used \(see the warning\)$/m);
    expect(show.stderr).toContain("routes.yaml:4:");
    const json = JSON.parse((await otpgw(["ported", "show", KR, "--json"])).stdout) as Record<
      string,
      unknown
    >;
    expect(json).toMatchObject({ route: null, routes_match_networks: null });
    expect(json.routes_problems).toEqual([expect.stringContaining("routes.yaml:4:")]);

    await file("networks.yaml", ["networks:", "  - mcc_mnc: 450"]);
    await file("otpgw.yaml", [
      "log_level: silent",
      `redis_url: ${redis.url}`,
      `redis_key_prefix: "${redis.prefix}"`,
      "networks_file: networks.yaml",
    ]);
    const refused = await otpgw(["ported", "unset", KR]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("networks.yaml");
    expect(await stored()).toEqual({ [KR]: "450-08" });
  });

  it("refuses a network the networks file lacks, one of another country, and a number otpgw does not accept; writes nothing", async () => {
    const { otpgw, keys } = await setup();
    const [unknown, foreign, typo, bad, unsetBad] = await Promise.all([
      otpgw(["ported", "set", KR, "450-99"]),
      otpgw(["ported", "set", KR, "510-10"]),
      otpgw(["ported", "set", KR, "45008"]),
      otpgw(["ported", "set", "01012345678", "450-08"]),
      otpgw(["ported", "unset", "010-1234"]),
    ]);
    expectRefusal(unknown, "otpgw: ported set: network 450-99 is not in the networks file");
    expectRefusal(
      foreign,
      `otpgw: ported set: network 510-10 (Telkomsel) is in ID, but ${KR} is a number of KR: a ported number keeps its country`,
    );
    expectRefusal(typo, '"45008" is not an MCC/MNC: must be MCC and MNC joined by "-"');
    expect(typo.stderr).toContain("(did you mean 450-08, KT?)");
    expectRefusal(bad, 'otpgw: ported set: "01012345678" is not a number otpgw accepts: must start with "+"');
    expectRefusal(unsetBad, 'otpgw: ported unset: "010-1234" is not a number in E.164 form');
    expect(await keys()).toEqual([]);
  });

  it("imports a file with a header, comments, blank lines, quotes, a repeated number and ; and tab separators", async () => {
    const { otpgw, file, stored } = await setup();
    const name = await file("mnp.csv", [
      "msisdn,mccmnc",
      "# exported 2025-11-23",
      "+821012345678,450-08",
      "",
      "+821012345679;450-06",
      "+821012345680\t450-05",
      '"+821012345681","450-08"',
      "+821012345678,450-05\r", // the later line counts
    ]);
    const run = await otpgw(["ported", "import", name]);
    expect(run.stderr).toContain("warning: no running instance holds a bind slot");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^4 numbers of mnp\.csv imported by noc-1 \(added or updated; the other ported numbers kept\) in \d+\.\d s:$/m,
    );
    expect(run.stdout).toMatch(/^450-05\s+SK Telecom\s+KR\s+2$/m);
    expect(run.stdout).toMatch(/^450-06\s+LG U\+\s+KR\s+1$/m);
    expect(run.stdout).toMatch(/^450-08\s+KT\s+KR\s+1$/m);
    expect(run.stdout).toContain("1 line gave a number an earlier line gave: the later line counts.");
    expect(run.stdout).toContain("Line 1 (a header) skipped.");
    expect(run.stdout).toContain("Every running instance applies the change within a second");
    expect(await stored()).toEqual({
      "+821012345678": "450-05",
      "+821012345679": "450-06",
      "+821012345680": "450-05",
      "+821012345681": "450-08",
    });
  });

  it("refuses the whole import for one invalid line, naming file:line and listing at most 20, and writes nothing", async () => {
    const { otpgw, file, keys } = await setup();
    const bad = Array.from({ length: 22 }, (_, i) => `+8210123456${String(i).padStart(2, "0")},510-10`);
    const name = await file("mixed.csv", [
      "+821012345678,450-08",
      "+6281234567890,450-08",
      "+821012345679",
      "+8210,450-08",
      "+821012345680,450-99",
      ...bad,
    ]);
    const run = await otpgw(["ported", "import", name]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    const lines = run.stderr.trimEnd().split("\n");
    expect(lines[0]).toBe(
      "otpgw: ported import: mixed.csv: 26 invalid lines of 27; nothing was written (correct them, or import the other lines with --skip-invalid):",
    );
    expect(lines[1]).toBe(
      "mixed.csv:2: network 450-08 (KT) is in KR, but +6281234567890 is a number of ID: a ported number keeps its country",
    );
    expect(lines[2]).toBe(
      'mixed.csv:3: expected "number,mcc-mnc" (a comma, ";" or a tab between them): no separator found',
    );
    expect(lines[3]).toMatch(/^mixed\.csv:4: "\+8210" is not a number otpgw accepts: /);
    expect(lines[4]).toBe(
      "mixed.csv:5: network 450-99 is not in the networks file (otpgw.yaml networks_file)",
    );
    expect(lines[20]).toMatch(/^mixed\.csv:21: network 510-10 \(Telkomsel\) is in ID/);
    expect(lines[21]).toBe("and 6 more invalid lines");
    expect(lines).toHaveLength(22);
    expect(await keys()).toEqual([]);
  });

  it("--skip-invalid imports the valid lines and lists the invalid ones", async () => {
    const { otpgw, file, stored } = await setup();
    const name = await file("mixed.csv", [
      "+821012345678,450-08",
      "+821012345679,510-10",
      "+821012345680,450-06",
    ]);
    const run = await otpgw(["ported", "import", name, "--skip-invalid"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      "otpgw: ported import: mixed.csv: 1 invalid line of 3 skipped (--skip-invalid):",
    );
    expect(run.stderr).toContain("mixed.csv:2: network 510-10 (Telkomsel) is in ID");
    expect(run.stdout).toContain("2 numbers of mixed.csv imported by noc-1");
    expect(run.stdout).toContain("1 invalid line skipped.");
    expect(await stored()).toEqual({ "+821012345678": "450-08", "+821012345680": "450-06" });
  });

  it("--dry-run checks the file and prints the numbers per network, writing nothing", async () => {
    const { otpgw, file, keys } = await setup();
    const name = await file("mnp.csv", [
      "+821012345678,450-08",
      "+821012345679,450-08",
      "+6281234567890,510-01",
    ]);
    const run = await otpgw(["ported", "import", name, "--dry-run", "--replace"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(
      /^dry run: 3 numbers of mnp\.csv would replace every ported number \(checked in \d+\.\d s\); nothing was written:$/m,
    );
    expect(run.stdout).toMatch(/^450-08\s+KT\s+KR\s+2$/m);
    expect(run.stdout).toMatch(/^510-01\s+Indosat Ooredoo\s+ID\s+1$/m);
    expect(await keys()).toEqual([]);
  });

  it("--replace makes the ported numbers the file's: numbers absent from it are removed", async () => {
    const { otpgw, file, stored } = await setup();
    await otpgw(["ported", "import", await file("first.csv", [`${KR},450-08`, "+821012345679,450-08"])]);
    const run = await otpgw([
      "ported",
      "import",
      await file("second.csv", ["+821012345679,450-06", "+821012345680,450-05"]),
      "--replace",
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      "2 numbers of second.csv imported by noc-1 (replacing the 2 ported numbers stored before)",
    );
    expect(await stored()).toEqual({ "+821012345679": "450-06", "+821012345680": "450-05" });

    const empty = await otpgw([
      "ported",
      "import",
      await file("empty.csv", ["msisdn,mccmnc", "# nothing"]),
      "--replace",
    ]);
    expectRefusal(
      empty,
      "empty.csv holds no numbers to import (--replace would remove every ported number); nothing was written",
    );
    expect(Object.keys(await stored())).toHaveLength(2);
  });

  it("lists the ported numbers per network with the networks' names, and the last change", async () => {
    const { otpgw, file, redis } = await setup();
    const none = await otpgw(["ported", "list"]);
    expect(none.stdout).toMatch(/^no ported numbers \(read from redis:\/\/\S+, key prefix "t[0-9a-f]+:"\)$/m);
    expect(none.stdout).toContain("Never changed.");

    await otpgw([
      "ported",
      "import",
      await file("mnp.csv", [`${KR},450-08`, "+821012345679,450-08", "+821012345680,450-06"]),
      "--by",
      "bob",
    ]);
    // Written by hand, or before the networks file lost the network: listed, and said to be ignored.
    await redis.client.hset(portedNumbersKey(redis.prefix), "+821012345681", "450-99");
    const list = await otpgw(["ported", "stats"]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^4 ported numbers \(read from redis:\/\//m);
    expect(list.stdout).toMatch(/^450-06\s+LG U\+\s+KR\s+1$/m);
    expect(list.stdout).toMatch(/^450-08\s+KT\s+KR\s+2$/m);
    expect(list.stdout).toMatch(/^450-99\s+not in the networks file: ignored by routing\s+-\s+1$/m);
    expect(list.stdout).toMatch(/^Last change by bob at \S+Z\.$/m);
    const json = JSON.parse((await otpgw(["ported", "list", "--json"])).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({
      total: 4,
      networks: [
        { mccmnc: "450-06", name: "LG U+", country: "KR", in_networks_file: true, numbers: 1 },
        { mccmnc: "450-08", name: "KT", country: "KR", in_networks_file: true, numbers: 2 },
        { mccmnc: "450-99", name: null, country: null, in_networks_file: false, numbers: 1 },
      ],
      last_change: { by: "bob" },
    });
  });

  it("routes explain shows the number's network and takes the route matching it once the number is ported", async () => {
    const { otpgw } = await setup();
    const before = await otpgw(["routes", "explain", KR]);
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(/^\+821012345678: KR; route korea \(country KR\);/m);
    expect(before.stdout).toContain(
      "Network: unknown; not ported; no network of the networks file has its range.",
    );
    const range = await otpgw(["routes", "explain", "+6281234567890"]);
    expect(range.stdout).toContain("Network: 510-10 Telkomsel (its number range); not ported.");

    await otpgw(["ported", "set", KR, "450-08"]);
    const after = await otpgw(["routes", "explain", KR]);
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(/^\+821012345678: KR; route korea-kt \(network 450-08, ported\);/m);
    expect(after.stdout).toContain("Network: 450-08 KT (its ported entry).");
    expect(after.stdout).toMatch(/^kr-kt\s+1\s+1\s+100 %\s+-$/m);

    // Offline, the entry is not read: the route is the one by country, and the output says why.
    const offline = await otpgw(["routes", "explain", KR, "--offline"]);
    expect(offline.stdout).toMatch(/^\+821012345678: KR; route korea \(country KR\);/m);
    expect(offline.stdout).toContain("Network: unknown; ported numbers not read;");
    expect(offline.stdout).toContain("Operator overrides not read (--offline)");
  });

  it("refuses in one line when Redis cannot be reached, without printing its password", async () => {
    const { otpgw } = await setup();
    const down = { REDIS_URL: `redis://:hunter2secret@127.0.0.1:${await freePort()}` };
    const [set, show, list] = await Promise.all([
      otpgw(["ported", "set", KR, "450-08"], down),
      otpgw(["ported", "show", KR], down),
      otpgw(["ported", "list"], down),
    ]);
    for (const [run, command] of [
      [set, "set"],
      [show, "show"],
      [list, "list"],
    ] as const) {
      expectRefusal(run, `otpgw: ported ${command}: cannot reach Redis at redis://`);
      expect(run.stderr).not.toContain("hunter2secret");
    }
  });

  it("documents the commands in --help, each with an example", async () => {
    const { otpgw } = await setup();
    const help = async (...args: string[]) => {
      const run = await otpgw([...args, "--help"]);
      expect(run.code).toBe(0);
      return run.stdout;
    };
    const [group, set, unset, show, importHelp, list] = await Promise.all([
      help("ported"),
      help("ported", "set"),
      help("ported", "unset"),
      help("ported", "show"),
      help("ported", "import"),
      help("ported", "list"),
    ]);
    for (const name of ["set", "unset", "show", "import", "list\\|stats"])
      expect(group).toMatch(new RegExp(`^\\s+${name} \\[options\\]`, "m"));
    expect(group).toContain("docs/routing.md#networks-and-ported-numbers");
    expect(set).toContain("otpgw ported set +821012345678 450-08");
    expect(unset).toContain("otpgw ported unset +821012345678");
    expect(show).toContain("longest prefix, else network, else country, else default");
    for (const option of ["--replace", "--dry-run", "--skip-invalid", "--by <name>"])
      expect(importHelp).toContain(option);
    expect(importHelp).toContain("otpgw ported import mnp-2025-11-23.csv --replace");
    expect(list).toContain("millions of numbers");
  });
});
