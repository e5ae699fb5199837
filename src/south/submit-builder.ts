import type { CarrierConfig } from "../config/types.js";
import { ErrorCodes, OtpgwError } from "../errors.js";
import { EsmClass } from "../smpp/constants.js";
import { segmentText, type SegmentedText } from "../smpp/segmentation.js";
import type { SubmitFields } from "./submit-types.js";

/** TON/NPI for an international (E.164) destination. */
const TON_INTERNATIONAL = 1;
const NPI_ISDN = 1;
/** registered_delivery 0x01: a receipt on the final outcome, success or failure (SMPP 3.4 §5.2.17). */
const RECEIPT_ON_FINAL = 0x01;

/** One message to a carrier, before encoding. */
export interface OutboundMessage {
  /** Sender: alphanumeric ("MyBank") or digits (E.164 with or without "+"). */
  source: string;
  /** E.164 destination, with or without the leading "+". */
  destination: string;
  text: string;
  /** Concatenation reference for multi-part texts (taken modulo 256). */
  reference: number;
  /** Raw SMPP validity_period (e.g. relative "000000000500000R"); omitted = carrier default. */
  validityPeriod?: string;
}

export interface BuiltSubmits {
  segmented: SegmentedText;
  /** One submit_sm per part, in part order. */
  parts: SubmitFields[];
}

/**
 * Encodes a message for one carrier: our own codec (GSM 03.38 or UCS-2, explicit data_coding), a
 * concatenation UDH per part when long, TON/NPI from the carrier's source-address rules.
 * @throws OtpgwError ENCODING_INVALID for empty/oversize text or a sender the carrier cannot carry.
 */
export function buildSubmits(carrier: CarrierConfig, message: OutboundMessage): BuiltSubmits {
  const segmented = segmentText(message.text, message.reference);
  const source = sourceAddress(carrier, message.source);
  const destination = message.destination.startsWith("+")
    ? message.destination.slice(1)
    : message.destination;
  const parts = segmented.parts.map((part): SubmitFields => {
    const fields: SubmitFields = {
      source_addr: source.addr,
      source_addr_ton: source.ton,
      source_addr_npi: source.npi,
      destination_addr: destination,
      dest_addr_ton: TON_INTERNATIONAL,
      dest_addr_npi: NPI_ISDN,
      esm_class: part.udhi ? EsmClass.UDHI : 0,
      registered_delivery: RECEIPT_ON_FINAL,
      data_coding: segmented.dataCoding,
      short_message: part.shortMessage,
    };
    if (message.validityPeriod) fields.validity_period = message.validityPeriod;
    return fields;
  });
  return { segmented, parts };
}

function sourceAddress(carrier: CarrierConfig, source: string): { addr: string; ton: number; npi: number } {
  const rules = carrier.sourceAddress;
  const numeric = /^\+?[0-9]{1,20}$/.test(source);
  if (numeric) {
    return { addr: source.replace(/^\+/, ""), ton: rules.numericTon, npi: rules.numericNpi };
  }
  if (rules.allowAlphanumeric && source.length <= 11) {
    return { addr: source, ton: rules.alphanumericTon, npi: rules.alphanumericNpi };
  }
  if (rules.defaultSender)
    return sourceAddress(
      { ...carrier, sourceAddress: { ...rules, defaultSender: undefined } },
      rules.defaultSender,
    );
  throw new OtpgwError(
    ErrorCodes.ENCODING_INVALID,
    `carrier ${carrier.id} does not accept sender "${source}" (alphanumeric senders ${rules.allowAlphanumeric ? "are limited to 11 characters" : "are not allowed"}) and has no default_sender`,
  );
}
