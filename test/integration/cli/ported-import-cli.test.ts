import { describe, expect, it } from "vitest";
import { KR, expectRefusal, setup } from "./ported-cli-fixture.js";

describe("otpgw ported import (the command line, on a real Redis)", () => {
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
});
