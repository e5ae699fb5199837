import { describe, expect, it } from "vitest";
import { freePort } from "../../../scripts/lib/free-port.js";
import { portedNumbersKey, portedVersionKey } from "../../../src/ops/ported-store.js";
import { KR, expectRefusal, setup } from "./ported-cli-fixture.js";

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
