import type { SubmitFields, SubmitOutcome } from "../../src/south/submit-types.js";

/**
 * One GSM submit_sm part for a carrier pool: to handset `to` (a number gives a distinct Indonesian handset,
 * 62811 and the number in 7 digits, with the text "code <n>"), or to the digits given.
 */
export function testPart(
  to: number | string,
  text = typeof to === "number" ? `code ${to}` : "code",
): SubmitFields {
  return {
    source_addr: "OTPGW",
    source_addr_ton: 5,
    source_addr_npi: 0,
    destination_addr: typeof to === "number" ? `62811${String(to).padStart(7, "0")}` : to,
    dest_addr_ton: 1,
    dest_addr_npi: 1,
    esm_class: 0,
    registered_delivery: 1,
    data_coding: 0,
    short_message: Buffer.from(text),
  };
}

/** What a test compares of a submit: its outcome's kind (with the status when rejected), or the error's name. */
export function settledKind(p: Promise<SubmitOutcome>): Promise<string> {
  return p.then(
    (o) => (o.kind === "rejected" ? `rejected ${o.statusName}` : o.kind),
    (e: Error) => e.name,
  );
}

/** Its outcome's kind, or the error's code (OTPGW_ERR_…) where it has one. */
export function settledCode(p: Promise<SubmitOutcome>): Promise<string> {
  return p.then(
    (o) => o.kind,
    (e: { code?: string; name?: string }) => e.code ?? e.name ?? "error",
  );
}
