import { once } from "node:events";
import type { Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  ConnectionClosedError,
  NotBoundError,
  NotSentError,
  ResponseTimeoutError,
  SmppError,
} from "../../../src/errors.js";
import { silentLogger } from "../../../src/observability/logger.js";
import { SmppStatus } from "../../../src/smpp/command-status.js";
import { encodePdu } from "../../../src/smpp/session/pdu-codec.js";
import { parseSmBody } from "../../../src/smpp/sm-body.js";
import { SmppSession, type RequestHandler } from "../../../src/smpp/session/smpp-session.js";
import {
  closeServer,
  connectRaw,
  EnquireLinkAnswers,
  floodEnquireLinks,
  FrameCollector,
  listenRaw,
} from "../../helpers/raw-peer.js";
import { waitUntil } from "../../helpers/wait.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface PairOptions {
  windowSize?: number;
  responseTimeoutMs?: number;
  maxUnsentBytes?: number;
  onRequest?: RequestHandler;
}

/** Our session on the client socket, a raw frame collector on the server side. */
async function pair(options: PairOptions = {}) {
  const { session, peerSocket } = await rawPair(options);
  return { session, peer: new FrameCollector(peerSocket), peerSocket };
}

/** Our session on the client socket and the raw socket on the server side, which reads nothing yet. */
async function rawPair(options: PairOptions = {}) {
  let accept!: (s: Socket) => void;
  const accepted = new Promise<Socket>((resolve) => (accept = resolve));
  const { server, port } = await listenRaw((s) => accept(s));
  cleanups.push(() => closeServer(server));
  const socket = await connectRaw(port);
  const session = new SmppSession({
    socket,
    logger: silentLogger(),
    maxPduBytes: 4096,
    windowSize: options.windowSize ?? 10,
    responseTimeoutMs: options.responseTimeoutMs ?? 5000,
    ...(options.maxUnsentBytes !== undefined && { maxUnsentBytes: options.maxUnsentBytes }),
    onRequest: options.onRequest ?? (() => ({ status: 0, fields: { message_id: "" } })),
  });
  cleanups.push(() => session.destroy("test over"));
  const peerSocket = await accepted;
  cleanups.push(() => void peerSocket.destroy());
  session.state = "bound_trx";
  return { session, peerSocket };
}

/** `read()` once it has not changed for `quietMs` (polled; gives up after `timeoutMs`). */
async function quietCount(read: () => number, quietMs: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = read();
  let since = Date.now();
  while (Date.now() - since < quietMs && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    if (read() !== last) [last, since] = [read(), Date.now()];
  }
  return last;
}

const submitFields = { destination_addr: "628123", short_message: Buffer.from("x"), data_coding: 0 };

describe("SmppSession", () => {
  it("never has more requests outstanding than its window and sends the rest as answers free slots", async () => {
    const { session, peer, peerSocket } = await pair({ windowSize: 3 });
    const results = Array.from({ length: 10 }, () => session.request("submit_sm", submitFields));
    await peer.waitFor(3);
    await new Promise((r) => setTimeout(r, 100));
    expect(peer.frames).toHaveLength(3);
    expect(session.outstanding).toBe(3);
    expect(session.queued).toBe(7);
    // Answer them one by one: each answer lets exactly one more through.
    let answered = 0;
    while (answered < 10) {
      await peer.waitFor(answered + 1);
      const frame = peer.frames[answered]!;
      peerSocket.write(encodePdu("submit_sm_resp", frame.sequence, { message_id: `id${answered}` }));
      answered++;
      expect(session.outstanding).toBeLessThanOrEqual(3);
    }
    const responses = await Promise.all(results);
    expect(responses.map((r) => r.fields.message_id)).toEqual(Array.from({ length: 10 }, (_, i) => `id${i}`));
  });

  it("rejects a request with ResponseTimeoutError when no answer comes in time", async () => {
    const { session } = await pair({ responseTimeoutMs: 200 });
    const started = Date.now();
    await expect(session.request("submit_sm", submitFields)).rejects.toBeInstanceOf(ResponseTimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(session.outstanding).toBe(0);
  });

  it("on close rejects sent requests as outcome-unknown and waiting ones as never sent", async () => {
    const { session, peer, peerSocket } = await pair({ windowSize: 2 });
    const results = Array.from({ length: 5 }, () =>
      session.request("submit_sm", submitFields).then(
        () => "ok",
        (e: Error) => e,
      ),
    );
    await peer.waitFor(2);
    peerSocket.destroy();
    const settled = await Promise.all(results);
    expect(settled.filter((e) => e instanceof ConnectionClosedError)).toHaveLength(2);
    expect(settled.filter((e) => e instanceof NotSentError)).toHaveLength(3);
    await expect(session.request("submit_sm", submitFields)).rejects.toBeInstanceOf(NotSentError);
  });

  it("answers enquire_link, and answers an unknown command_id with generic_nack ESME_RINVCMDID", async () => {
    const { session, peer, peerSocket } = await pair();
    peerSocket.write(encodePdu("enquire_link", 77));
    const unknown = Buffer.from("00000010000001ff0000000000000058", "hex");
    peerSocket.write(unknown);
    const frames = await peer.waitFor(2);
    expect(frames[0]).toMatchObject({ commandId: 0x80000015, status: 0, sequence: 77 });
    expect(frames[1]).toMatchObject({ commandId: 0x80000000, status: 0x03, sequence: 0x58 });
    expect(session.closed).toBe(false);
  });

  it("answers lost framing with generic_nack ESME_RINVCMDLEN and closes the session", async () => {
    const { session, peer, peerSocket } = await pair();
    const closed = once(session, "close");
    peerSocket.write(Buffer.from("GET / HTTP/1.1\r\nHost: otpgw\r\n\r\n"));
    const frames = await peer.waitFor(1);
    expect(frames[0]).toMatchObject({ commandId: 0x80000000, status: 0x02 });
    expect(await closed).toEqual(["framing error"]);
    expect(session.closed).toBe(true);
  });

  it("turns a handler error into an error response and keeps serving the session", async () => {
    let calls = 0;
    const { session, peer, peerSocket } = await pair({
      onRequest: () => {
        calls++;
        if (calls === 1) throw new SmppError("OTPGW_ERR_SMPP_DECODE", 0x0b, "bad destination");
        if (calls === 2) throw new Error("bug");
        return { fields: { message_id: "" } };
      },
    });
    for (let seq = 1; seq <= 3; seq++) {
      peerSocket.write(
        encodePdu("deliver_sm", seq, { short_message: Buffer.from("id:1 stat:DELIVRD"), esm_class: 4 }),
      );
    }
    const frames = await peer.waitFor(3);
    expect(frames.map((f) => [f.commandId, f.status, f.sequence])).toEqual([
      [0x80000005, 0x0b, 1],
      [0x80000005, 0x08, 2],
      [0x80000005, 0, 3],
    ]);
    expect(session.closed).toBe(false);
  });

  it("answers a body that fails validation with its status and is not wedged afterwards", async () => {
    const { session, peer, peerSocket } = await pair({
      onRequest: (pdu) => {
        parseSmBody(pdu.raw);
        return { fields: { message_id: "" } };
      },
    });
    // A deliver_sm whose TLV claims more bytes than the PDU holds.
    const good = encodePdu("deliver_sm", 5, { short_message: Buffer.from("hi"), esm_class: 0 });
    const bad = Buffer.concat([good, Buffer.from("0424 00ff 41".replace(/ /g, ""), "hex")]);
    bad.writeUInt32BE(bad.length, 0);
    peerSocket.write(bad);
    peerSocket.write(encodePdu("enquire_link", 6));
    const frames = await peer.waitFor(2);
    expect(frames[0]!.sequence).toBe(5);
    expect(frames[0]!.status).toBe(0xc2); // ESME_RINVPARLEN: the TLV runs past the PDU
    expect(frames[1]).toMatchObject({ commandId: 0x80000015, sequence: 6, status: 0 });
    expect(session.closed).toBe(false);
  });

  it("never answers outbind or alert_notification, not even when the body cannot be decoded or the handler refuses", async () => {
    const { session, peer, peerSocket } = await pair({
      onRequest: () => ({ status: SmppStatus.ESME_RINVCMDID }), // as a carrier bind answers what it does not take
    });
    /** The PDU followed by a TLV header promising a value that is not there (04 27 00 01: message_state, 1 octet). */
    const truncatedTlv = (pdu: Buffer): Buffer => {
      const bad = Buffer.concat([pdu, Buffer.from("04270001", "hex")]);
      bad.writeUInt32BE(bad.length, 0);
      return bad;
    };
    const alert = encodePdu("alert_notification", 11, { source_addr: "6281", esme_addr: "otpgw" });
    peerSocket.write(truncatedTlv(alert));
    peerSocket.write(truncatedTlv(encodePdu("outbind", 12, { system_id: "smsc", password: "pw" })));
    peerSocket.write(encodePdu("alert_notification", 13, { source_addr: "6281", esme_addr: "otpgw" }));
    peerSocket.write(encodePdu("enquire_link", 14));
    // Answers leave in the order the requests came: anything answered before the enquire_link would come first.
    const [first] = await peer.waitFor(1);
    expect(first).toMatchObject({ commandId: 0x80000015, sequence: 14, status: 0 });
    await new Promise((r) => setTimeout(r, 100));
    expect(peer.frames).toHaveLength(1);
    expect(session.closed).toBe(false);
  });

  it("stops reading a peer that does not read its answers until they drain, and only once no other pause holds", async () => {
    const { session, peerSocket } = await rawPair({ maxUnsentBytes: 256 * 1024 });
    const flood = await floodEnquireLinks(peerSocket, { maxBytes: 48 * 1024 * 1024, stallMs: 500 });
    expect(flood.backedUp).toBe(true); // the session stopped reading
    expect(flood.bytes).toBeLessThan(48 * 1024 * 1024);
    // Requests being handled reached their limit too (InboundLimit's pause), then the peer reads its answers.
    session.pauseReading();
    const answers = new EnquireLinkAnswers(peerSocket);
    answers.start();
    await waitUntil(() => answers.count > 0, 5000, "the first answers");
    // Drained, but the other pause still holds: the answers stop at what was read before the pauses.
    expect(await quietCount(() => answers.count, 300, 5000)).toBeLessThan(flood.sent);
    session.resumeReading();
    await answers.waitFor(flood.sent, 20_000);
    expect(answers.unexpected).toBeUndefined(); // every enquire_link answered once, in order: nothing lost
    expect(session.closed).toBe(false);
  }, 30_000);

  it("when it unbinds, first answers the requests the peer sent before, then sends unbind", async () => {
    const { session, peer, peerSocket } = await pair({
      onRequest: () =>
        new Promise((resolve) => setTimeout(() => resolve({ status: 0, fields: { message_id: "m1" } }), 200)),
    });
    peerSocket.write(encodePdu("submit_sm", 7, submitFields));
    await new Promise((r) => setTimeout(r, 20)); // the submit is being handled (stored) now
    const unbound = session.unbind();
    const [answer, unbind] = await peer.waitFor(2);
    expect(answer).toMatchObject({ commandId: 0x80000004, sequence: 7, status: 0 });
    expect(unbind!.commandId).toBe(0x00000006);
    peerSocket.write(encodePdu("unbind_resp", unbind!.sequence));
    await unbound;
    expect(session.closed).toBe(true);
  });

  it("when the peer unbinds, answers its earlier requests before unbind_resp", async () => {
    const { session, peer, peerSocket } = await pair({
      onRequest: () =>
        new Promise((resolve) => setTimeout(() => resolve({ status: 0, fields: { message_id: "m1" } }), 200)),
    });
    peerSocket.write(Buffer.concat([encodePdu("submit_sm", 8, submitFields), encodePdu("unbind", 9)]));
    const [answer, unbindResp] = await peer.waitFor(2);
    expect(answer).toMatchObject({ commandId: 0x80000004, sequence: 8, status: 0 });
    expect(unbindResp).toMatchObject({ commandId: 0x80000006, sequence: 9, status: 0 });
    await once(peerSocket, "end");
    // Closed on our side at once: a peer that never closes its side does not hold the session open.
    expect(session.state).toBe("closed");
  });

  it("honours a peer's unbind that arrives before its bind is marked: markBound refuses, and only unbind may be asked", async () => {
    // The peer's deliver_sm is being recorded (slow) when its unbind arrives, so the session stays "unbinding" a while.
    const { session, peer, peerSocket } = await pair({
      onRequest: () =>
        // Long enough that the assertions below run while it is still "unbinding", however loaded the machine.
        new Promise((resolve) => setTimeout(() => resolve({ status: 0, fields: { message_id: "" } }), 2000)),
    });
    session.state = "open"; // our bind_transceiver is answered, its continuation not yet run
    peerSocket.write(Buffer.concat([encodePdu("deliver_sm", 5, submitFields), encodePdu("unbind", 6)]));
    await waitUntil(() => session.state === "unbinding", 2000, "the unbind");

    expect(session.markBound("transceiver")).toBe(false);
    expect(session.state).toBe("unbinding");
    await expect(session.request("submit_sm", submitFields)).rejects.toBeInstanceOf(NotBoundError);
    await expect(session.request("enquire_link")).rejects.toBeInstanceOf(NotBoundError);
    const [answer, unbindResp] = await peer.waitFor(2);
    expect(answer).toMatchObject({ commandId: 0x80000005, sequence: 5 });
    expect(unbindResp).toMatchObject({ commandId: 0x80000006, sequence: 6, status: 0 });
    await waitUntil(() => session.closed, 4000, "the close");
    expect(session.markBound("transceiver")).toBe(false);
    expect(session.state).toBe("closed");
  });
});
