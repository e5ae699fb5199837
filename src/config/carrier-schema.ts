/**
 * The schema of one `carriers/*.yaml` file (snake_case, as written) and its mapping to `CarrierConfig`.
 * Every optional key takes its default from `defaults.carrier`; unknown keys are errors, so a typo is
 * never silently ignored.
 */
import * as z from "zod";
import { channelIds } from "../escalation/channel-types.js";
import { defaults, limits } from "./defaults.js";
import { countryCodeProblem } from "./iso-countries.js";
import type { CarrierConfig } from "./types.js";

const d = defaults.carrier;

/** Printable ASCII: SMPP C-Octet Strings are bytes, and carriers compare credentials byte for byte. */
const printableAscii = /^[\x20-\x7e]*$/;

const intBetween = (min: number, max: number) => z.number().int().min(min).max(max);
const timerMs = () => intBetween(1, limits.timerMaxMs);
const ton = () => intBetween(0, limits.tonMax);
const npi = () => z.literal(limits.npiValues);
const messageIdFormat = () => z.enum(["hex", "decimal", "string"]);

const cString = (maxLength: number, what: string) =>
  z
    .string()
    .max(maxLength, {
      error: `must be at most ${maxLength} characters (SMPP 3.4: ${what} is a C-string of ${maxLength + 1} octets including the NUL)`,
    })
    .regex(printableAscii, { error: "must be printable ASCII" });

const country = z.string().superRefine((code, ctx) => {
  const problem = countryCodeProblem(code);
  if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
});

const sourceAddress = z
  .strictObject({
    allow_alphanumeric: z.boolean().default(d.sourceAddress.allowAlphanumeric),
    alphanumeric_ton: ton().default(d.sourceAddress.alphanumericTon),
    alphanumeric_npi: npi().default(d.sourceAddress.alphanumericNpi),
    numeric_ton: ton().default(d.sourceAddress.numericTon),
    numeric_npi: npi().default(d.sourceAddress.numericNpi),
    default_sender: z.string().min(1).regex(printableAscii, { error: "must be printable ASCII" }).optional(),
  })
  .prefault({})
  .superRefine((rules, ctx) => {
    const sender = rules.default_sender;
    if (typeof sender !== "string") return;
    const path = ["default_sender"];
    if (/^\d+$/.test(sender)) {
      if (sender.length > limits.numericSenderMaxLength) {
        ctx.addIssue({
          code: "custom",
          path,
          message: `a numeric sender must be at most ${limits.numericSenderMaxLength} digits (SMPP 3.4 source_addr)`,
        });
      }
      return;
    }
    if (rules.allow_alphanumeric === false) {
      ctx.addIssue({ code: "custom", path, message: "is alphanumeric but allow_alphanumeric is false" });
    }
    if (sender.length > limits.alphanumericSenderMaxLength) {
      ctx.addIssue({
        code: "custom",
        path,
        message: `an alphanumeric sender must be at most ${limits.alphanumericSenderMaxLength} characters (GSM 03.40); write numbers as digits only, without "+"`,
      });
    }
  });

const reconnect = z
  .strictObject({
    min_delay_ms: timerMs().default(d.reconnectMinDelayMs),
    max_delay_ms: timerMs().default(d.reconnectMaxDelayMs),
  })
  .prefault({})
  .superRefine((delays, ctx) => {
    if (delays.min_delay_ms > delays.max_delay_ms) {
      ctx.addIssue({
        code: "custom",
        path: ["min_delay_ms"],
        message: `must not exceed max_delay_ms (${delays.min_delay_ms} > ${delays.max_delay_ms})`,
      });
    }
  });

export const carrierFileSchema = z.strictObject({
  id: z
    .string()
    .min(1)
    .max(limits.carrierIdMaxLength)
    .regex(limits.carrierIdPattern, {
      error:
        "must be lower-case letters, digits and '-', starting with a letter or digit (it names the carrier in logs, metrics and routes.yaml)",
    })
    // An escalation attempt's carrier is its channel's name: a carrier of the same name would share its receipts.
    .refine((id) => !(channelIds as readonly string[]).includes(id), {
      error: `is reserved for an escalation channel (${channelIds.join(", ")}): choose another id`,
    }),
  host: z
    .string()
    .min(1)
    .regex(/^[^\s/]+$/, { error: "must be a host name or IP address (no scheme, path or spaces)" }),
  port: intBetween(limits.portMin, limits.portMax),
  tls: z
    .strictObject({
      enabled: z.boolean().default(d.tls),
      reject_unauthorized: z.boolean().default(d.tlsRejectUnauthorized),
    })
    .prefault({}),
  system_id: cString(limits.systemIdMaxLength, "system_id").min(1),
  password: cString(limits.passwordMaxLength, "password"),
  system_type: cString(limits.systemTypeMaxLength, "system_type").default(d.systemType),
  bind_mode: z.enum(["transceiver", "transmitter+receiver"]).default(d.bindMode),
  binds: intBetween(1, limits.bindsMax).default(d.binds),
  window: intBetween(1, limits.windowSizeMax).default(d.windowSize),
  throughput_per_second: z
    .number()
    .positive()
    .max(limits.throughputPerSecondMax)
    .default(d.throughputPerSecond),
  enquire_link_interval_ms: timerMs().default(d.enquireLinkIntervalMs),
  enquire_link_max_misses: intBetween(1, limits.enquireLinkMaxMissesMax).default(d.enquireLinkMaxMisses),
  response_timeout_ms: timerMs().default(d.responseTimeoutMs),
  reconnect,
  source_address: sourceAddress,
  message_id_format: z
    .strictObject({
      submit: messageIdFormat().default(d.submitIdFormat),
      receipt: messageIdFormat().default(d.receiptIdFormat),
    })
    .prefault({}),
  countries: z
    .array(country)
    .min(1)
    .superRefine((codes, ctx) => {
      codes.forEach((code, index) => {
        if (codes.indexOf(code) !== index)
          ctx.addIssue({ code: "custom", path: [index], message: `duplicate country "${code}"` });
      });
    }),
  default_alphabet: z.enum(["gsm7", "latin1"]).default(d.defaultAlphabet),
});

export type CarrierFile = z.output<typeof carrierFileSchema>;

/** The typed carrier, once the file passed validation. */
export function toCarrierConfig(parsed: CarrierFile, file: string): CarrierConfig {
  const rules = parsed.source_address;
  return {
    id: parsed.id,
    file,
    host: parsed.host,
    port: parsed.port,
    tls: parsed.tls.enabled,
    tlsRejectUnauthorized: parsed.tls.reject_unauthorized,
    systemId: parsed.system_id,
    password: parsed.password,
    systemType: parsed.system_type,
    bindMode: parsed.bind_mode,
    binds: parsed.binds,
    windowSize: parsed.window,
    throughputPerSecond: parsed.throughput_per_second,
    enquireLinkIntervalMs: parsed.enquire_link_interval_ms,
    responseTimeoutMs: parsed.response_timeout_ms,
    reconnectMinDelayMs: parsed.reconnect.min_delay_ms,
    reconnectMaxDelayMs: parsed.reconnect.max_delay_ms,
    enquireLinkMaxMisses: parsed.enquire_link_max_misses,
    sourceAddress: {
      allowAlphanumeric: rules.allow_alphanumeric,
      alphanumericTon: rules.alphanumeric_ton,
      alphanumericNpi: rules.alphanumeric_npi,
      numericTon: rules.numeric_ton,
      numericNpi: rules.numeric_npi,
      ...(rules.default_sender === undefined ? {} : { defaultSender: rules.default_sender }),
    },
    receiptIdFormat: parsed.message_id_format.receipt,
    submitIdFormat: parsed.message_id_format.submit,
    countries: parsed.countries,
    defaultAlphabet: parsed.default_alphabet,
  };
}
