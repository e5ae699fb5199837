/**
 * Run by test/unit/delivery/hidden-classes.test.ts in a child process with `--allow-natives-syntax`: makes the hot
 * path's objects many times over (so V8 optimises the code that makes them) and prints, as JSON, whether objects
 * of one kind made last share one hidden class. On Node 20 a copy written `{ ...object, newField }` does not
 * (see the comment in src/delivery/lifecycle.ts), which cost ~20–30 % of the daemon's CPU per message.
 */
import { decodeMessage, encodeMessage } from "../../src/delivery/doc-codec.js";
import {
  applyReceipt,
  applySubmitResult,
  newMessage,
  finalize,
  settle,
  startAttempt,
} from "../../src/delivery/lifecycle.js";
import type { Message } from "../../src/delivery/types.js";
import type { Account } from "../../src/north/accounts/account-types.js";
import { decodeSubmit } from "../../src/north/smpp/submit-decoder.js";
import { parseDestination } from "../../src/routing/numbering.js";
import type { SmBody } from "../../src/smpp/sm-body.js";

// eslint-disable-next-line @typescript-eslint/no-implied-eval -- natives syntax cannot be written in TypeScript
const sameMap = new Function("a", "b", "return %HaveSameMap(a, b)") as (a: unknown, b: unknown) => boolean;

function lifecycle(i: number): Record<string, object> {
  const t0 = 1_795_000_000_000 + i;
  const created = newMessage(
    `m${i}`,
    {
      account: "acme",
      to: "+6281234567890",
      from: "ACME",
      country: "ID",
      text: "Your code 1",
      parts: 1,
      validitySeconds: 300,
      receiptVia: "smpp",
      smppReceipt: {},
    },
    t0,
  );
  const started = startAttempt(created, "id-telkomsel", 1, t0 + 1, 30_000);
  const accepted = applySubmitResult(started, 1, 0, { status: "accepted", carrierMessageId: `c${i}` });
  const receipt = applyReceipt(accepted, 1, 0, { stat: "DELIVRD", delivered: true, final: true }, t0 + 5);
  const settled = settle(receipt, { now: t0 + 5, minRemainingMs: 0 }).message;
  const final: Message = finalize(settled, "delivered", "delivered by id-telkomsel", t0 + 5);
  const decoded = decodeMessage(encodeMessage(final));
  const messages = { created, started, accepted, receipt, settled, final, decoded };
  const attempts = Object.fromEntries(
    Object.entries(messages)
      .filter(([, message]) => message.attempts.length > 0)
      .map(([stage, message]) => [`${stage} attempt`, message.attempts[0]!]),
  );
  return { ...messages, ...attempts };
}

const account = { senders: ["ACME"] } as unknown as Account;
const deps = {
  parseDestination,
  validity: () => ({ defaultSeconds: 300, maxSeconds: 600 }),
  countParts: () => 1,
};

function submit(i: number): Record<string, object> {
  const body: SmBody = {
    serviceType: "",
    sourceAddrTon: 5,
    sourceAddrNpi: 0,
    sourceAddr: "ACME",
    destAddrTon: 1,
    destAddrNpi: 1,
    destinationAddr: `62812${String(1_000_000 + (i % 9_000_000)).padStart(7, "0")}`,
    esmClass: 0,
    protocolId: 0,
    priorityFlag: 0,
    scheduleDeliveryTime: "",
    validityPeriod: "",
    registeredDelivery: 1,
    replaceIfPresentFlag: 0,
    dataCoding: 0,
    smDefaultMsgId: 0,
    shortMessage: Buffer.from(`Your code is ${100000 + (i % 900000)}`),
    tlvs: new Map(),
  };
  return { submit: decodeSubmit(body, account, deps, 1_795_000_000_000) };
}

const rounds = 20_000;
let previous: Record<string, object> = {};
let last: Record<string, object> = {};
for (let i = 0; i < rounds; i++) {
  previous = last;
  last = { ...lifecycle(i), ...submit(i) };
}
const result: Record<string, boolean> = {};
for (const [kind, object] of Object.entries(last)) result[kind] = sameMap(object, previous[kind]);
process.stdout.write(JSON.stringify(result));
