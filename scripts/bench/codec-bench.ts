import smpp from "smpp";
import { encodeGsm7 } from "../../src/smpp/gsm7.js";
import { parseSmBody } from "../../src/smpp/sm-body.js";
import { renderTable } from "../lib/table.js";

const OTP = "Your OTPGW code is 482913. It expires in 5 minutes. Never share it.";
const BASE = {
  source_addr: "OTPGW",
  source_addr_ton: 5,
  source_addr_npi: 0,
  destination_addr: "6281234567890",
  dest_addr_ton: 1,
  dest_addr_npi: 1,
  registered_delivery: 1,
  data_coding: 0,
};

/** Runs `fn` repeatedly for about `seconds` after a short warm-up; returns operations per second. */
function opsPerSecond(seconds: number, fn: () => void): number {
  const warmUntil = Date.now() + 200;
  while (Date.now() < warmUntil) fn();
  let ops = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() - start < budget) {
    for (let i = 0; i < 1000; i++) fn();
    ops += 1000;
  }
  return ops / (Number(process.hrtime.bigint() - start) / 1e9);
}

export interface CodecBenchResult {
  name: string;
  opsPerSecond: number;
}

export function runCodecBench(seconds: number): CodecBenchResult[] {
  const each = Math.max(0.5, seconds / 2);
  const encoded = new smpp.PDU("submit_sm", {
    ...BASE,
    sequence_number: 1,
    short_message: encodeGsm7(OTP),
  }).toBuffer();
  const results: CodecBenchResult[] = [
    {
      name: "encode submit_sm: node-smpp encodes the string",
      opsPerSecond: opsPerSecond(each, () => {
        new smpp.PDU("submit_sm", { ...BASE, sequence_number: 1, short_message: OTP }).toBuffer();
      }),
    },
    {
      name: "encode submit_sm: our GSM Buffer + node-smpp",
      opsPerSecond: opsPerSecond(each, () => {
        new smpp.PDU("submit_sm", { ...BASE, sequence_number: 1, short_message: encodeGsm7(OTP) }).toBuffer();
      }),
    },
    {
      name: "decode submit_sm: node-smpp PDU",
      opsPerSecond: opsPerSecond(each, () => {
        new smpp.PDU(encoded);
      }),
    },
    {
      name: "decode submit_sm: our validating body walker",
      opsPerSecond: opsPerSecond(each, () => {
        parseSmBody(encoded);
      }),
    },
  ];
  const ratio = (a: number, b: number) =>
    `${(results[a]!.opsPerSecond / results[b]!.opsPerSecond).toFixed(2)}×`;
  console.log("\ncodec (one thread, side by side in this run)");
  console.log(
    renderTable(
      ["operation", "ops/s"],
      results.map((r) => [r.name, Math.round(r.opsPerSecond)]),
    ),
  );
  console.log(
    `our encode path vs node-smpp string encode: ${ratio(1, 0)}; our body walker vs node-smpp decode: ${ratio(3, 2)}`,
  );
  return results;
}
