/**
 * What the simulated SMSC does with one submit_sm: throttle, parse with otpgw's own codec, assign a message id,
 * answer after the configured latency, reassemble multi-part messages, record the message once complete, and
 * schedule the receipt of each part.
 */
import { SmppError } from "../../src/errors.js";
import { SmppStatus } from "../../src/smpp/command-status.js";
import { EsmClass, Tlv } from "../../src/smpp/constants.js";
import { parseSmBody, type SmBody } from "../../src/smpp/sm-body.js";
import { decodeText } from "../../src/smpp/text-codec.js";
import { concatInfo, parseUdh, type ConcatInfo } from "../../src/smpp/udh.js";
import type { CounterBook } from "./counters.js";
import type { DelayQueue } from "./delay-queue.js";
import { formatMessageId, type MessageIdGenerator } from "./message-ids.js";
import type { Outcome, ResolvedSimulatorOptions } from "./options.js";
import type { Reassembler } from "./reassembly.js";
import type { ReceivedLog } from "./received-log.js";
import type { ReceiptDispatcher, ReceiptJob } from "./receipt-dispatcher.js";
import { pickOutcome, sampleDelayMs, sampleUniformMs } from "./sampling.js";
import type { SimSession } from "./sim-session.js";

export interface SubmitHandlerDeps {
  options: () => ResolvedSimulatorOptions;
  counters: CounterBook;
  ids: () => MessageIdGenerator;
  reassembler: Reassembler;
  log: ReceivedLog;
  queue: DelayQueue;
  dispatcher: ReceiptDispatcher;
}

/** registered_delivery bits 1..0 (§5.2.17). */
const RD_MASK = 0x03;
const RD_FINAL = 0x01;
const RD_FAILURE_ONLY = 0x02;
/** Reserved in v3.4; v5.0 uses it for "success only". */
const RD_SUCCESS_ONLY = 0x03;

export class SubmitHandler {
  constructor(private readonly deps: SubmitHandlerDeps) {}

  handle(session: SimSession, frame: Buffer, sequence: number): void {
    const o = this.deps.options();
    const counters = this.deps.counters;
    const stats = session.stats;
    if (stats === undefined) return;
    // `outstanding` already includes this submit.
    if (o.windowLimit !== undefined && stats.outstanding > o.windowLimit) {
      counters.queueFull++;
      session.writeSubmitResponse(sequence, SmppStatus.ESME_RMSGQFUL, "");
      return;
    }
    let body: SmBody;
    let payload: Buffer;
    let concat: ConcatInfo | null;
    try {
      body = parseSmBody(frame);
      ({ payload, concat } = userData(body));
    } catch (error) {
      const status = error instanceof SmppError ? error.status : SmppStatus.ESME_RSYSERR;
      session.writeSubmitResponse(sequence, status, "");
      return;
    }
    const now = o.now();
    if (!stats.admit(now, o.throttlePerSecond)) {
      counters.throttled++;
      stats.throttled++;
      session.writeSubmitResponse(sequence, SmppStatus.ESME_RTHROTTLED, "");
      return;
    }

    const id = this.deps.ids().next();
    const submitId = formatMessageId(id, o.messageIdFormat);
    const delay = sampleUniformMs(o.submitRespLatencyMs, o.rng);
    if (delay <= 0) session.writeSubmitResponse(sequence, SmppStatus.ESME_ROK, submitId);
    else
      this.deps.queue.after(delay, () =>
        session.writeSubmitResponse(sequence, SmppStatus.ESME_ROK, submitId),
      );

    const draw = () => {
      const outcome = pickOutcome(o.outcomeMix, o.rng);
      return {
        outcome,
        receiptRequested: wantsReceipt(outcome, body.registeredDelivery, o.honourRegisteredDelivery),
      };
    };
    let outcome: Outcome;
    let receiptRequested: boolean;
    if (concat === null) {
      ({ outcome, receiptRequested } = draw());
      this.record(session, body, [submitId], payload, 1, now, outcome, receiptRequested);
    } else {
      const key = `${session.systemId}\u0000${body.sourceAddr}\u0000${body.destinationAddr}\u0000${concat.referenceBits}:${concat.reference}:${concat.total}`;
      const result = this.deps.reassembler.add(
        { key, total: concat.total, seq: concat.seq, messageId: submitId, payload },
        now,
        draw,
      );
      ({ outcome, receiptRequested } = result);
      if (result.duplicate) counters.duplicateParts++;
      if (result.complete) {
        const { messageIds, payload: whole } = result.complete;
        this.record(session, body, messageIds, whole, concat.total, now, outcome, receiptRequested);
      }
    }

    if (receiptRequested && outcome !== "none") {
      const receiptDelay = delay + sampleDelayMs(o.receiptLatencyMs, o.rng);
      const job: ReceiptJob = {
        systemId: session.systemId,
        messageId: formatMessageId(id, o.receiptIdFormat),
        stat: outcome,
        submitDate: now,
        doneDate: now + receiptDelay,
        source: body.destinationAddr,
        sourceTon: body.destAddrTon,
        sourceNpi: body.destAddrNpi,
        destination: body.sourceAddr,
        destinationTon: body.sourceAddrTon,
        destinationNpi: body.sourceAddrNpi,
        origin: session,
      };
      counters.receiptsScheduled++;
      const dispatcher = this.deps.dispatcher;
      this.deps.queue.after(receiptDelay, () => dispatcher.dispatch(job));
    }
  }

  private record(
    session: SimSession,
    body: SmBody,
    messageIds: string[],
    payload: Buffer,
    parts: number,
    now: number,
    outcome: Outcome,
    receiptRequested: boolean,
  ): void {
    this.deps.counters.messagesReceived++;
    this.deps.log.add({
      systemId: session.systemId,
      bindId: session.bindId,
      sessionId: session.sessionId,
      messageIds,
      source: body.sourceAddr,
      destination: body.destinationAddr,
      dataCoding: body.dataCoding,
      validityPeriod: body.validityPeriod,
      text: decodeText(body.dataCoding, payload, this.deps.options().defaultAlphabet),
      parts,
      receivedAt: now,
      outcome,
      receiptRequested,
    });
  }
}

/** Whether registered_delivery asks for a receipt of this outcome (always, when it is not honoured). */
export function wantsReceipt(outcome: Outcome, registeredDelivery: number, honour: boolean): boolean {
  if (outcome === "none") return false;
  if (!honour) return true;
  switch (registeredDelivery & RD_MASK) {
    case RD_FINAL:
      return true;
    case RD_FAILURE_ONLY:
      return outcome !== "DELIVRD";
    case RD_SUCCESS_ONLY:
      return outcome === "DELIVRD";
    default:
      return false;
  }
}

/**
 * The user data (short_message, or message_payload when short_message is empty) without its UDH, and the
 * concatenation info from the UDH (UDHI set) or the SAR TLVs.
 * @throws SmppError (ESME_RINVMSGLEN) for a UDH that runs past the message.
 */
function userData(body: SmBody): { payload: Buffer; concat: ConcatInfo | null } {
  let payload = body.shortMessage;
  if (payload.length === 0) payload = body.tlvs.get(Tlv.message_payload) ?? payload;
  if ((body.esmClass & EsmClass.UDHI) !== 0) {
    const udh = parseUdh(payload);
    return { payload: udh.payload, concat: concatInfo(udh.ies) };
  }
  return { payload, concat: sarInfo(body.tlvs) };
}

/** Concatenation from sar_msg_ref_num / sar_total_segments / sar_segment_seqnum (§5.3.2.22–24), if all valid. */
function sarInfo(tlvs: Map<number, Buffer>): ConcatInfo | null {
  const ref = tlvs.get(Tlv.sar_msg_ref_num);
  const total = tlvs.get(Tlv.sar_total_segments);
  const seq = tlvs.get(Tlv.sar_segment_seqnum);
  if (ref?.length !== 2 || total?.length !== 1 || seq?.length !== 1) return null;
  const info: ConcatInfo = {
    reference: ref.readUInt16BE(0),
    total: total[0] as number,
    seq: seq[0] as number,
    referenceBits: 16,
  };
  return info.total >= 1 && info.seq >= 1 && info.seq <= info.total ? info : null;
}
