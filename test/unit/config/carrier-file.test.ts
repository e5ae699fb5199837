import { describe, expect, it } from "vitest";
import { parseCarrierFile } from "../../../src/config/carrier-file.js";
import { formatProblem } from "../../../src/config/config-problem.js";
import { defaults } from "../../../src/config/defaults.js";

const env = { CARRIER_ID_TEST_PASSWORD: "s3cret" };
const file = "carriers/id-test.yaml";

/** Every problem of a carrier file, formatted as the operator sees them. */
function problems(text: string, environment: NodeJS.ProcessEnv = env, allowMissingEnv = false): string[] {
  return parseCarrierFile(text, file, { env: environment, allowMissingEnv }).problems.map(formatProblem);
}

const valid = `# Test carrier
id: id-test
host: 127.0.0.1
port: 2775
system_id: otpgw
password: \${CARRIER_ID_TEST_PASSWORD}
countries: [ID]
`;

describe("parseCarrierFile", () => {
  it("applies every default to a file that gives only the required keys", () => {
    const result = parseCarrierFile(valid, file, { env });
    expect(result.problems).toEqual([]);
    // The values are src/config/defaults.ts's (the one place they are written); what is checked here is that
    // the parser fills every field the file leaves out with its default.
    expect(result.carrier).toEqual({
      id: "id-test",
      file,
      host: "127.0.0.1",
      port: 2775,
      systemId: "otpgw",
      password: "s3cret",
      countries: ["ID"],
      ...defaults.carrier,
    });
  });

  it("maps every snake_case key to its CarrierConfig field", () => {
    const text = `${valid}
tls: { enabled: true, reject_unauthorized: false }
system_type: OTP
bind_mode: transmitter+receiver
binds: 3
window: 20
throughput_per_second: 12.5
enquire_link_interval_ms: 15000
enquire_link_max_misses: 5
response_timeout_ms: 4000
reconnect: { min_delay_ms: 500, max_delay_ms: 9000 }
source_address:
  allow_alphanumeric: false
  alphanumeric_ton: 5
  alphanumeric_npi: 0
  numeric_ton: 2
  numeric_npi: 9
  default_sender: "6281234"
message_id_format: { submit: hex, receipt: decimal }
default_alphabet: latin1
`.replace("countries: [ID]", "countries: [ID, KR]");
    const { carrier, problems: found } = parseCarrierFile(text, file, { env });
    expect(found).toEqual([]);
    expect(carrier).toMatchObject({
      tls: true,
      tlsRejectUnauthorized: false,
      systemType: "OTP",
      bindMode: "transmitter+receiver",
      binds: 3,
      windowSize: 20,
      throughputPerSecond: 12.5,
      enquireLinkIntervalMs: 15_000,
      enquireLinkMaxMisses: 5,
      responseTimeoutMs: 4_000,
      reconnectMinDelayMs: 500,
      reconnectMaxDelayMs: 9_000,
      sourceAddress: {
        allowAlphanumeric: false,
        alphanumericTon: 5,
        alphanumericNpi: 0,
        numericTon: 2,
        numericNpi: 9,
        defaultSender: "6281234",
      },
      submitIdFormat: "hex",
      receiptIdFormat: "decimal",
      countries: ["ID", "KR"],
      defaultAlphabet: "latin1",
    });
  });

  it("reports an unknown key at its own line, with the key it most likely meant", () => {
    expect(problems(`${valid}windw: 10\n`)).toEqual([`${file}:8: windw: unknown key (did you mean window?)`]);
    expect(problems(`${valid}reconnect:\n  min_delay: 5\n`)).toEqual([
      `${file}:9: reconnect.min_delay: unknown key (did you mean min_delay_ms?)`,
    ]);
    expect(problems(`${valid}systemId: x\n`)).toEqual([
      `${file}:8: systemId: unknown key (did you mean system_id?)`,
    ]);
  });

  it("refuses a carrier id an escalation channel uses (its statuses would match the carrier's receipts)", () => {
    expect(problems(valid.replace("id: id-test", "id: whatsapp"))).toEqual([
      `${file}:2: id: is reserved for an escalation channel (whatsapp, voice): choose another id`,
    ]);
  });

  it("reports a value of the wrong type", () => {
    expect(problems(valid.replace("port: 2775", 'port: "2775"'))).toEqual([
      `${file}:4: port: expected a number, got a string`,
    ]);
    expect(problems(`${valid}tls:\n  enabled: yes\n`)).toEqual([
      `${file}:9: tls.enabled: expected true or false, got a string`,
    ]);
    expect(problems(`${valid}reconnect:\n`)).toEqual([
      `${file}:8: reconnect: expected a mapping, got an empty value`,
    ]);
    expect(problems(`${valid}window: 2.5\n`)).toEqual([`${file}:8: window: must be a whole number`]);
  });

  it("reports values out of range with the limit", () => {
    const text = `${valid.replace("port: 2775", "port: 70000")}window: 0\nthroughput_per_second: 0\n`;
    expect(problems(text)).toEqual([
      `${file}:4: port: must be at most 65535`,
      `${file}:8: window: must be at least 1`,
      `${file}:9: throughput_per_second: must be greater than 0`,
    ]);
  });

  it("applies the SMPP 3.4 limits to system_id and the resolved password", () => {
    const text = valid.replace("system_id: otpgw", "system_id: abcdefghijklmnop");
    expect(problems(text, { CARRIER_ID_TEST_PASSWORD: "123456789" })).toEqual([
      `${file}:5: system_id: must be at most 15 characters (SMPP 3.4: system_id is a C-string of 16 octets including the NUL)`,
      `${file}:6: password: must be at most 8 characters (SMPP 3.4: password is a C-string of 9 octets including the NUL)`,
    ]);
    expect(problems(valid.replace("system_id: otpgw", "system_id: abcdefghijklmno"))).toEqual([]);
  });

  it("refuses reconnect.min_delay_ms above max_delay_ms", () => {
    expect(problems(`${valid}reconnect:\n  min_delay_ms: 5000\n  max_delay_ms: 100\n`)).toEqual([
      `${file}:9: reconnect.min_delay_ms: must not exceed max_delay_ms (5000 > 100)`,
    ]);
  });

  it("accepts only upper-case ISO 3166-1 alpha-2 countries, each once", () => {
    const text = valid.replace("countries: [ID]", "countries:\n  - ID\n  - id\n  - UK\n  - ZZ\n  - ID");
    expect(problems(text)).toEqual([
      `${file}:9: countries.1: must be upper case ("ID")`,
      `${file}:10: countries.2: "UK" is not an ISO 3166-1 alpha-2 code; the United Kingdom is "GB"`,
      `${file}:11: countries.3: "ZZ" is not an ISO 3166-1 alpha-2 country code`,
      `${file}:12: countries.4: duplicate country "ID"`,
    ]);
    expect(problems(valid.replace("countries: [ID]", "countries: []"))).toEqual([
      `${file}:7: countries: must list at least 1 item`,
    ]);
  });

  it("refuses ids that cannot name a carrier in logs and metrics", () => {
    expect(problems(valid.replace("id: id-test", "id: ID_Test"))).toEqual([
      `${file}:2: id: must be lower-case letters, digits and '-', starting with a letter or digit (it names the carrier in logs, metrics and routes.yaml)`,
    ]);
  });

  it("points a missing required key at the mapping it belongs in", () => {
    expect(problems(valid.replace("system_id: otpgw\n", ""))).toEqual([
      `${file}:2: system_id: missing required key`,
    ]);
    expect(problems(valid.replace("countries: [ID]\n", ""))).toEqual([
      `${file}:2: countries: missing required key`,
    ]);
  });

  it("reports a ${VAR} whose variable is not set, without judging the empty placeholder", () => {
    expect(problems(valid, {})).toEqual([
      `${file}:6: password: environment variable CARRIER_ID_TEST_PASSWORD is not set`,
    ]);
    expect(problems(valid, {}, true)).toEqual([]);
  });

  it("keeps a carrier whose system_id is an unset ${VAR} under allowMissingEnv, and names a variable it cannot do without", () => {
    const systemId = valid.replace("system_id: otpgw", "system_id: ${TSEL_SYSTEM_ID}");
    const kept = parseCarrierFile(systemId, file, { env: {}, allowMissingEnv: true });
    expect(kept.problems).toEqual([]);
    expect(kept.carrier?.id).toBe("id-test");
    // Without allowMissingEnv it is a problem at its line, as before.
    expect(problems(systemId, {})).toContain(
      `${file}:5: system_id: environment variable TSEL_SYSTEM_ID is not set`,
    );
    // A value no stand-in satisfies (a port) is never dropped silently: the problem names the variable.
    const port = valid.replace("port: 2775", "port: ${SMSC_PORT}");
    expect(problems(port, {}, true)).toEqual([
      `${file}:4: port: cannot be checked without SMSC_PORT (not set): set it to check this file`,
    ]);
  });

  it("interpolates ${VAR} in any string value", () => {
    const text = valid.replace("host: 127.0.0.1", "host: ${SMSC_HOST}");
    const result = parseCarrierFile(text, file, { env: { ...env, SMSC_HOST: "smsc.example.net" } });
    expect(result.carrier?.host).toBe("smsc.example.net");
  });

  it("refuses a literal password and names the variable to use instead, without echoing the secret", () => {
    const found = problems(valid.replace("password: ${CARRIER_ID_TEST_PASSWORD}", "password: hunter2"));
    expect(found).toEqual([
      `${file}:6: password: must be an environment variable reference such as \${CARRIER_ID_TEST_PASSWORD}; literal passwords are refused so credentials are never committed`,
    ]);
    expect(found.join("\n")).not.toContain("hunter2");
    expect(
      problems(valid.replace("password: ${CARRIER_ID_TEST_PASSWORD}", "password: 12345678")),
    ).toHaveLength(1);
    expect(
      problems(valid.replace("${CARRIER_ID_TEST_PASSWORD}", "pre${CARRIER_ID_TEST_PASSWORD}")),
    ).toHaveLength(1);
  });

  it("reports a YAML syntax error with its line", () => {
    expect(problems("id: a\nhost: x\n\tport: 3\n")).toEqual([
      `${file}:3: YAML syntax error: Tabs are not allowed as indentation`,
    ]);
    expect(problems("id: a\nhost 127.0.0.1\nport: 3\n")).toEqual([
      `${file}:2: YAML syntax error: Implicit keys need to be on a single line`,
    ]);
    expect(problems(`${valid}port: 2776\n`)).toEqual([
      `${file}:8: YAML syntax error: Map keys must be unique`,
    ]);
  });

  it("refuses an empty file and a file that is not a mapping", () => {
    expect(problems("# nothing yet\n")).toEqual([`${file}:1: expected a mapping, got an empty value`]);
    expect(problems("- id: a\n")).toEqual([`${file}:1: expected a mapping, got a list`]);
  });

  it("refuses an alphanumeric default sender the carrier does not accept", () => {
    const text = `${valid}source_address:\n  allow_alphanumeric: false\n  default_sender: MyBankOTPCode\n`;
    expect(problems(text)).toEqual([
      `${file}:10: source_address.default_sender: is alphanumeric but allow_alphanumeric is false`,
      `${file}:10: source_address.default_sender: an alphanumeric sender must be at most 11 characters (GSM 03.40); write numbers as digits only, without "+"`,
    ]);
  });

  it("reports every problem of a file at once, in line order", () => {
    const text = [
      "id: id-test",
      "host: 127.0.0.1",
      "port: 0",
      "system_id: otpgw",
      "password: ${CARRIER_ID_TEST_PASSWORD}",
      "countries: [ID]",
      "bind_mode: trx",
      "colour: blue",
    ].join("\n");
    expect(problems(text, {})).toEqual([
      `${file}:3: port: must be at least 1`,
      `${file}:5: password: environment variable CARRIER_ID_TEST_PASSWORD is not set`,
      `${file}:7: bind_mode: must be one of "transceiver", "transmitter+receiver" (got "trx")`,
      `${file}:8: colour: unknown key`,
    ]);
  });
});
