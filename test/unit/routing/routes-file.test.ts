import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseCarrierFile } from "../../../src/config/carrier-file.js";
import { formatProblem } from "../../../src/config/config-problem.js";
import { NetworkPlan } from "../../../src/routing/networks.js";
import { parseNetworksFile } from "../../../src/routing/networks-file.js";
import { parseRoutesFile } from "../../../src/routing/routes-file.js";
import { TEST_HEALTH } from "../../helpers/route.js";

const file = "routes.yaml";
const carriers = new Map([
  ["id-telkomsel", { countries: ["ID"] }],
  ["id-indosat", { countries: ["ID"] }],
  ["kr-skt", { countries: ["KR"] }],
  ["asia-hub", { countries: ["ID", "KR", "TH"] }],
]);

/** Every problem of a routes file, formatted as the operator sees them. */
function problems(text: string): string[] {
  return parseRoutesFile(text, file, carriers).problems.map(formatProblem);
}

const valid = `defaults:
  dlr_timeout_seconds: 30
  validity_seconds: 300
  max_validity_seconds: 3600
routes:
  - name: telkomsel-ranges
    match: { prefix: ["+62811", "+62812"] }
    carriers:
      - { carrier: id-telkomsel, weight: 80 }
      - { carrier: id-indosat, weight: 20 }
    dlr_timeout_seconds: 20
    validity_seconds: 180
  - name: indonesia
    match: { country: ID }
    carriers:
      - { carrier: id-telkomsel }
      - { carrier: id-indosat }
  - name: rest
    match: default
    carriers: [{ carrier: asia-hub }]
    dlr_timeout_seconds: 0.5
`;

describe("parseRoutesFile", () => {
  it("takes each route's escalation channels, else the defaults', and refuses a channel not configured or listed twice", () => {
    const text = `defaults:
  escalation: [whatsapp]
routes:
  - name: indonesia
    match: { country: ID }
    carriers: [{ carrier: id-telkomsel }]
    escalation: [whatsapp, voice]
  - name: korea
    match: { country: KR }
    carriers: [{ carrier: kr-skt }]
  - name: rest
    match: default
    carriers: [{ carrier: asia-hub }]
    escalation: []
`;
    const table = parseRoutesFile(text, file, carriers, 1, new Set(["whatsapp", "voice"])).table!;
    expect(table.match("+622150123456", "ID")?.escalation).toEqual(["whatsapp", "voice"]);
    expect(table.match("+82212345678", "KR")?.escalation).toEqual(["whatsapp"]);
    expect(table.match("+6621234567", "TH")?.escalation).toEqual([]);
    const onlyWhatsapp = parseRoutesFile(text, file, carriers, 1, new Set(["whatsapp"]));
    expect(onlyWhatsapp.problems.map(formatProblem)).toEqual([
      "routes.yaml:7: routes.0.escalation.1: channel voice is not configured (otpgw.yaml channels.voice; docs/channels.md)",
    ]);
    const only = (list: string) =>
      parseRoutesFile(
        text.replace("[whatsapp, voice]", list),
        file,
        carriers,
        1,
        new Set(["whatsapp"]),
      ).problems.map(formatProblem);
    expect(only("[whatsapp, whatsapp]")).toEqual([
      "routes.yaml:7: routes.0.escalation.1: whatsapp is listed twice",
    ]);
    expect(only("[sms]")).toEqual(["routes.yaml:7: routes.0.escalation.0: must be one of: whatsapp, voice"]);
  });

  it("takes the channels before SMS from the route, else the defaults; none leaves the key out", () => {
    const text = `defaults:
  before_sms: [whatsapp]
  escalation: [whatsapp, voice]
routes:
  - name: indonesia
    match: { country: ID }
    carriers: [{ carrier: id-telkomsel }]
  - name: korea
    match: { country: KR }
    carriers: [{ carrier: kr-skt }]
    before_sms: []
  - name: rest
    match: default
    carriers: [{ carrier: asia-hub }]
    before_sms: [voice]
`;
    const table = parseRoutesFile(text, file, carriers, 1, new Set(["whatsapp", "voice"])).table!;
    expect(table.match("+622150123456", "ID")?.beforeSms).toEqual(["whatsapp"]);
    expect(table.match("+82212345678", "KR")?.beforeSms).toBeUndefined();
    expect(table.match("+6621234567", "TH")?.beforeSms).toEqual(["voice"]);
    expect(
      parseRoutesFile(text, file, carriers, 1, new Set(["whatsapp"])).problems.map(formatProblem),
    ).toEqual([
      "routes.yaml:3: defaults.escalation.1: channel voice is not configured (otpgw.yaml channels.voice; docs/channels.md)",
      "routes.yaml:15: routes.2.before_sms.0: channel voice is not configured (otpgw.yaml channels.voice; docs/channels.md)",
    ]);
  });

  it("refuses a validity shorter than any attempt needs (min_remaining_validity_seconds + 1), with its line", () => {
    const reason =
      "(delivery.min_remaining_validity_seconds + 1): no attempt starts closer to an OTP's expiry, so a shorter validity could only expire";
    expect(parseRoutesFile(valid, file, carriers, 200).problems.map(formatProblem)).toEqual([
      `routes.yaml:12: routes.0.validity_seconds: must be at least 200 ${reason}`,
    ]);
    expect(parseRoutesFile(valid, file, carriers, 180).problems).toEqual([]);
  });

  it("builds the table with each route's overrides and the defaults for the rest", () => {
    const result = parseRoutesFile(valid, file, carriers);
    expect(result.problems).toEqual([]);
    const table = result.table!;
    expect(table.defaults).toEqual({ dlrTimeoutMs: 30_000, validitySeconds: 300, maxValiditySeconds: 3600 });
    expect(table.match("+6281234567890", "ID")).toEqual({
      name: "telkomsel-ranges",
      matchedBy: "prefix +62812",
      carriers: [
        { id: "id-telkomsel", weight: 80 },
        { id: "id-indosat", weight: 20 },
      ],
      dlrTimeoutMs: 20_000,
      validitySeconds: 180,
      maxValiditySeconds: 3600,
      // No health: block: on, with the built-in defaults and half the route's DLR timeout as the latency target.
      health: { ...TEST_HEALTH, latencyTargetMs: 10_000 },
      // No escalation: block: SMS only.
      escalation: [],
    });
    expect(table.match("+622150123456", "ID")).toMatchObject({
      name: "indonesia",
      carriers: [
        { id: "id-telkomsel", weight: 1 },
        { id: "id-indosat", weight: 1 },
      ],
      dlrTimeoutMs: 30_000,
    });
    expect(table.match("+66812345678", "TH")).toMatchObject({ name: "rest", dlrTimeoutMs: 500 });
    expect(table.specs.map((spec) => spec.match)).toEqual([
      { kind: "prefix", prefixes: ["+62811", "+62812"] },
      { kind: "country", countries: ["ID"] },
      { kind: "default" },
    ]);
  });

  it("applies the built-in defaults when the file has no defaults section", () => {
    const result = parseRoutesFile(
      "routes:\n  - { name: all, match: default, carriers: [{ carrier: asia-hub }] }\n",
      file,
      carriers,
    );
    expect(result.table?.defaults).toEqual({
      dlrTimeoutMs: 30_000,
      validitySeconds: 300,
      maxValiditySeconds: 3600,
    });
  });

  it("accepts the example routes.yaml with the example carriers", () => {
    const root = fileURLToPath(new URL("../../../", import.meta.url));
    const examples = new Map<string, { countries: string[] }>();
    for (const name of readdirSync(join(root, "carriers")).filter((entry) => entry.endsWith(".yaml"))) {
      const text = readFileSync(join(root, "carriers", name), "utf8");
      const { carrier } = parseCarrierFile(text, name, { env: {}, allowMissingEnv: true });
      if (carrier) examples.set(carrier.id, carrier);
    }
    expect([...examples.keys()].sort()).toEqual(["id-indosat", "id-telkomsel", "kr-skt"]);
    const networks = parseNetworksFile(
      readFileSync(join(root, "data/networks.yaml"), "utf8"),
      "networks.yaml",
    ).plan;
    const text = readFileSync(join(root, "routes.yaml"), "utf8");
    const result = parseRoutesFile(text, "routes.yaml", examples, 1, new Set(), networks);
    expect(result.problems.map(formatProblem)).toEqual([]);
    expect(result.table?.match("+6281234567890", "ID")?.name).toBe("id-telkomsel-subscribers");
    expect(result.table?.match("+6285612345678", "ID")?.name).toBe("id-indosat-subscribers");
    expect(result.table?.match("+6281812345678", "ID")?.name).toBe("indonesia");
    expect(result.table?.match("+821012345678", "KR")?.name).toBe("south-korea");
  });

  it("reports YAML syntax errors and an empty file with their line", () => {
    expect(problems("routes:\n  - name: a\n   bad: indent\n")[0]).toMatch(
      /^routes\.yaml:3: YAML syntax error/,
    );
    expect(problems("")).toEqual(["routes.yaml:1: expected a mapping, got an empty value"]);
  });

  it("requires at least one route, each with a match and a carrier", () => {
    expect(problems("routes: []\n")).toEqual(["routes.yaml:1: routes: must list at least 1 item"]);
    expect(problems("routes:\n  - name: a\n    carriers: []\n")).toEqual([
      `routes.yaml:2: routes.0.match: missing required key: "default", { prefix: "+62811" }, { network: "510-10" } or { country: ID } (each may also be a list)`,
      "routes.yaml:3: routes.0.carriers: must list at least 1 item",
    ]);
  });

  it("reports unknown keys with a suggestion, at every level", () => {
    const text = `defaults:
  dlr_timeout: 30
routes:
  - name: a
    match: { contry: ID }
    carriers: [{ carrier: id-telkomsel, wieght: 2 }]
    validity: 60
`;
    expect(problems(text)).toEqual([
      "routes.yaml:2: defaults.dlr_timeout: unknown key (did you mean dlr_timeout_seconds?)",
      "routes.yaml:5: routes.0.match.contry: unknown key (did you mean country?)",
      `routes.yaml:5: routes.0.match: must be "default", { prefix: "+62811" }, { network: "510-10" } or { country: ID } (each may also be a list)`,
      "routes.yaml:6: routes.0.carriers.0.wieght: unknown key (did you mean weight?)",
      "routes.yaml:7: routes.0.validity: unknown key (did you mean validity_seconds?)",
    ]);
  });

  it("names the known carriers when a route names an unknown one", () => {
    const text = `routes:
  - name: a
    match: { country: ID }
    carriers:
      - { carrier: id-telkomsel }
      - { carrier: id-xl }
`;
    expect(problems(text)).toEqual([
      'routes.yaml:6: routes.0.carriers.1.carrier: unknown carrier "id-xl" (known: asia-hub, id-indosat, id-telkomsel, kr-skt)',
    ]);
  });

  it("refuses a carrier for a country it does not serve", () => {
    const text = `routes:
  - name: asia
    match: { country: [ID, KR] }
    carriers:
      - { carrier: asia-hub }
      - { carrier: kr-skt }
`;
    expect(problems(text)).toEqual([
      "routes.yaml:6: routes.0.carriers.1.carrier: kr-skt does not serve ID (its countries: KR)",
    ]);
  });

  it("refuses a carrier for a prefix in a country it does not serve, and skips prefixes shared by countries", () => {
    const text = `routes:
  - name: telkomsel-ranges
    match: { prefix: ["+62811", "+62812", "+1"] }
    carriers:
      - { carrier: kr-skt }
`;
    expect(problems(text)).toEqual([
      "routes.yaml:5: routes.0.carriers.0.carrier: kr-skt does not serve ID, where +62811, +62812 go (its countries: KR)",
    ]);
  });

  it("checks each prefix: quoted, '+' and digits, a calling code, at most 15 digits, once", () => {
    const text = `routes:
  - name: a
    match:
      prefix:
        - +62811
        - "62812"
        - "+999"
        - "+6281234567890123"
        - "+62813"
        - "+62813"
    carriers: [{ carrier: id-telkomsel }]
`;
    expect(problems(text)).toEqual([
      'routes.yaml:5: routes.0.match.prefix.0: must be a quoted string ("+62811"): unquoted, YAML reads +62811 as the number 62811',
      'routes.yaml:6: routes.0.match.prefix.1: must be "+" followed by digits (the start of E.164 numbers, e.g. "+62811")',
      "routes.yaml:7: routes.0.match.prefix.2: does not start with a country calling code",
      "routes.yaml:8: routes.0.match.prefix.3: must have at most 15 digits (E.164)",
      'routes.yaml:10: routes.0.match.prefix.5: duplicate prefix "+62813"',
    ]);
  });

  it("refuses a prefix written with the national trunk prefix, which normalised destinations never start with", () => {
    const text = `routes:
  - name: a
    match:
      prefix:
        - "+620812"
        - "+8201"
        - "+62812"
        - "+3906"
        - "+7800"
    carriers: [{ carrier: id-telkomsel }]
`;
    // Italy's +3906… and Russia's +7800… are real numbers written that way: they stay.
    expect(problems(text)).toEqual([
      'routes.yaml:5: routes.0.match.prefix.0: keeps the national trunk prefix after the calling code: destinations are matched in E.164, without it, so this matches nothing — write "+62812"',
      'routes.yaml:6: routes.0.match.prefix.1: keeps the national trunk prefix after the calling code: destinations are matched in E.164, without it, so this matches nothing — write "+821"',
    ]);
  });

  it("checks each country: an ISO code with a numbering plan, once", () => {
    const text = `routes:
  - name: a
    match: { country: [id, UK, AQ, ID, ID] }
    carriers: [{ carrier: asia-hub }]
`;
    expect(problems(text)).toEqual([
      'routes.yaml:3: routes.0.match.country.0: must be upper case ("ID")',
      'routes.yaml:3: routes.0.match.country.1: "UK" is not an ISO 3166-1 alpha-2 code; the United Kingdom is "GB"',
      "routes.yaml:3: routes.0.match.country.2: no phone numbers belong to AQ (it has no numbering plan)",
      'routes.yaml:3: routes.0.match.country.4: duplicate country "ID"',
    ]);
  });

  it("refuses a match that is neither default, a prefix, a network nor a country, or several", () => {
    const text = `routes:
  - name: a
    match: everything
    carriers: [{ carrier: asia-hub }]
  - name: b
    match: { prefix: "+62811", country: ID }
    carriers: [{ carrier: asia-hub }]
`;
    expect(problems(text)).toEqual([
      `routes.yaml:3: routes.0.match: must be "default", { prefix: "+62811" }, { network: "510-10" } or { country: ID } (each may also be a list) (got "everything")`,
      "routes.yaml:6: routes.1.match: give one of prefix, network or country, not several (write a route for each)",
    ]);
  });

  it("checks names, weights, carriers listed twice and timing bounds", () => {
    const text = `defaults:
  dlr_timeout_seconds: 0
  validity_seconds: 2.5
routes:
  - name: Indonesia
    match: { country: ID }
    carriers:
      - { carrier: id-telkomsel, weight: 0 }
      - { carrier: id-indosat, weight: -1 }
      - { carrier: id-telkomsel }
    max_validity_seconds: 1000000
`;
    expect(problems(text)).toEqual([
      "routes.yaml:2: defaults.dlr_timeout_seconds: must be greater than 0",
      "routes.yaml:3: defaults.validity_seconds: must be a whole number",
      "routes.yaml:5: routes.0.name: must be lower-case letters, digits and '-', starting with a letter or digit (it names the route in explanations, logs and metrics)",
      "routes.yaml:8: routes.0.carriers.0.weight: must be greater than 0",
      "routes.yaml:9: routes.0.carriers.1.weight: must be greater than 0",
      "routes.yaml:10: routes.0.carriers.2.carrier: id-telkomsel is listed twice (a route lists each carrier once)",
      "routes.yaml:11: routes.0.max_validity_seconds: must be at most 604800",
    ]);
  });

  it("refuses duplicate route names, a second default and a prefix or country taken by two routes", () => {
    const text = `routes:
  - name: a
    match: { prefix: ["+62811", "+62812"] }
    carriers: [{ carrier: id-telkomsel }]
  - name: a
    match: { prefix: "+62812" }
    carriers: [{ carrier: id-indosat }]
  - name: c
    match: { country: ID }
    carriers: [{ carrier: id-telkomsel }]
  - name: d
    match: { country: [KR, ID] }
    carriers: [{ carrier: asia-hub }]
  - name: rest
    match: default
    carriers: [{ carrier: asia-hub }]
  - name: rest-2
    match: default
    carriers: [{ carrier: asia-hub }]
`;
    expect(problems(text)).toEqual([
      'routes.yaml:5: routes.1.name: duplicate route name "a" (also at line 2)',
      'routes.yaml:6: routes.1.match.prefix: prefix +62812 is already matched by route "a" (line 3)',
      'routes.yaml:12: routes.3.match.country.1: country ID is already matched by route "c" (line 9)',
      'routes.yaml:18: routes.5.match: route "rest" (line 15) is already the default; there is at most one',
    ]);
  });

  it("keeps every validity within its bound, for the defaults and each route", () => {
    const text = `defaults:
  validity_seconds: 600
  max_validity_seconds: 300
routes:
  - name: a
    match: { country: ID }
    carriers: [{ carrier: id-telkomsel }]
    validity_seconds: 200
    max_validity_seconds: 100
  - name: b
    match: { country: KR }
    carriers: [{ carrier: kr-skt }]
    validity_seconds: 400
  - name: c
    match: { country: TH }
    carriers: [{ carrier: asia-hub }]
    max_validity_seconds: 200
`;
    expect(problems(text)).toEqual([
      "routes.yaml:2: defaults.validity_seconds: must not exceed max_validity_seconds (600 > 300)",
      "routes.yaml:8: routes.0.validity_seconds: must not exceed max_validity_seconds (200 > 100)",
      "routes.yaml:13: routes.1.validity_seconds: must not exceed max_validity_seconds (400 > 300 from defaults)",
      "routes.yaml:17: routes.2.max_validity_seconds: must be at least validity_seconds (200 < 600 from defaults)",
    ]);
  });

  it("says so when no carrier is configured", () => {
    const result = parseRoutesFile(
      "routes:\n  - { name: a, match: default, carriers: [{ carrier: x }] }\n",
      file,
      new Map(),
    );
    expect(result.problems.map(formatProblem)).toEqual([
      'routes.yaml:2: routes.0.carriers.0.carrier: unknown carrier "x" (no carrier is configured)',
    ]);
  });

  it("matches networks of the networks file, served by the route's carriers, each in one route", () => {
    const plan = new NetworkPlan([
      { mccmnc: "510-10", name: "Telkomsel", country: "ID", prefixes: ["+62811"] },
      { mccmnc: "450-08", name: "KT", country: "KR", prefixes: [] },
    ]);
    const text = `routes:
  - name: telkomsel
    match: { network: "510-10" }
    carriers: [{ carrier: id-telkomsel }]
  - name: kt
    match: { network: ["450-08", "510-10", 45008, "450-99", "450-08"] }
    carriers: [{ carrier: id-indosat }, { carrier: asia-hub }]
`;
    const parsed = parseRoutesFile(text, file, carriers, 1, new Set(), plan);
    expect(parsed.problems.map(formatProblem)).toEqual([
      'routes.yaml:6: routes.1.match.network.2: must be MCC and MNC joined by "-", e.g. "510-10" (3 digits, then 2 or 3)',
      "routes.yaml:6: routes.1.match.network.3: network 450-99 is not in the networks file (otpgw.yaml networks_file)",
      'routes.yaml:6: routes.1.match.network.4: duplicate network "450-08"',
    ]);
    const networksFixed = text.replace(', 45008, "450-99", "450-08"', "");
    expect(
      parseRoutesFile(networksFixed, file, carriers, 1, new Set(), plan).problems.map(formatProblem),
    ).toEqual([
      "routes.yaml:7: routes.1.carriers.0.carrier: id-indosat does not serve KR (network 450-08) (its countries: ID)",
    ]);
    const fixed = networksFixed.replace("{ carrier: id-indosat }, ", "");
    expect(parseRoutesFile(fixed, file, carriers, 1, new Set(), plan).problems.map(formatProblem)).toEqual([
      'routes.yaml:6: routes.1.match.network.1: network 510-10 is already matched by route "telkomsel" (line 3)',
    ]);
    const table = parseRoutesFile(fixed.replace(', "510-10"', ""), file, carriers, 1, new Set(), plan).table!;
    expect(table.match("+6281134567890", "ID")).toMatchObject({
      name: "telkomsel",
      matchedBy: "network 510-10",
    });
    expect(table.specs[1]?.match).toEqual({ kind: "network", networks: ["450-08"] });
  });
});
