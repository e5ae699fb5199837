import { afterEach, describe, expect, it } from "vitest";
import { CommandId } from "../../../src/smpp/constants.js";
import { encodePdu } from "../../../src/smpp/session/pdu-codec.js";
import { testMessage } from "../../helpers/message.js";
import type { RawFrame } from "../../helpers/raw-peer.js";
import { waitUntil } from "../../helpers/wait.js";
import { bindPdu, rawPeer, startServer, type Fixture } from "./smpp-fixture.js";
import { fakeWallClock, HOUR_MS, restoreWallClock, stepWallClock } from "../../helpers/wall-clock.js";

/**
 * A wall-clock step (NTP correction, VM resume, an operator's `date -s`) in the middle of an ESME's bind to otpgw:
 * Date alone is faked — sockets, timers and performance.now() stay real — and it advances with real time until the
 * test steps it. The ESME is a raw peer, so that the test decides when (and whether) it answers our deliver_sm.
 */
afterEach(restoreWallClock);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A transceiver bound as acme by a raw peer, and its frames. */
async function boundPeer(fixture: Fixture) {
  const peer = await rawPeer(fixture.port);
  peer.socket.write(bindPdu(1));
  await waitUntil(() => peer.frames.frames.length >= 1, 3000, "the bind_resp");
  expect(peer.frames.frames[0]!.status).toBe(0);
  const of = (commandId: number): RawFrame[] => peer.frames.frames.filter((f) => f.commandId === commandId);
  return { ...peer, of };
}

/** What delivery does at a final state: the message enters its outbox, then is handed over to the server. */
async function finalReceipt(fixture: Fixture, id: string): Promise<void> {
  const message = testMessage(id, { receiptVia: "smpp", state: "delivered", finalAt: Date.now() });
  await fixture.redis.client.sadd(`${fixture.redis.prefix}outbox`, message.id);
  expect(await fixture.server.enqueueReceipt(message)).toBe(true);
}

const queuedReceipts = (fixture: Fixture): Promise<number> =>
  fixture.redis.client.llen(`${fixture.redis.prefix}smpp:receipts:acme`);

/** otpgw_smpp_receipts_total by outcome (those counted at least once). */
async function receiptOutcomes(fixture: Fixture): Promise<Record<string, number>> {
  const { values } = await fixture.metrics.smppReceipts.get();
  return Object.fromEntries(
    values.filter((v) => v.value > 0).map((v) => [String(v.labels.outcome), v.value]),
  );
}

describe("ESME sessions across wall-clock steps", () => {
  it("still unbinds an idle ESME session at its inactivity time when the wall clock steps back an hour", async () => {
    fakeWallClock();
    const fixture = await startServer({ server: { inactivityMs: 1_000 } });
    const peer = await boundPeer(fixture);
    const boundAt = performance.now();

    stepWallClock(-HOUR_MS);
    await waitUntil(() => peer.of(CommandId.unbind).length === 1, 5_000, "the server's unbind");
    expect(performance.now() - boundAt).toBeGreaterThan(800);
  }, 30_000);

  it("does not unbind an ESME that keeps talking when the wall clock steps forward an hour between its PDUs", async () => {
    fakeWallClock();
    const fixture = await startServer({ server: { inactivityMs: 3_000 } });
    const peer = await boundPeer(fixture);
    const boundAt = performance.now();
    const at = (ms: number) => sleep(Math.max(0, boundAt + ms - performance.now()));

    // A PDU at 2 s, the step at 2.3 s, the inactivity check at 3 s (1 s after the last PDU: it looks again at 5 s),
    // a PDU at 3.6 s.
    await at(2_000);
    peer.socket.write(encodePdu("enquire_link", 2, {}));
    await at(2_300);
    stepWallClock(HOUR_MS);
    await at(3_600);
    peer.socket.write(encodePdu("enquire_link", 3, {}));
    await at(4_200);
    expect(peer.of(CommandId.enquire_link_resp)).toHaveLength(2);
    expect(peer.of(CommandId.unbind)).toHaveLength(0);
    expect(fixture.server.sessionCount).toBe(1);

    // Silent from then on: unbound once inactive for 3 s (at 6.6 s), not before and not never.
    await waitUntil(() => peer.of(CommandId.unbind).length === 1, 6_000, "the server's unbind");
    expect(performance.now() - boundAt).toBeGreaterThan(6_000);
  }, 30_000);

  it("times out a receipt the ESME does not answer and sends it again when the wall clock steps back an hour", async () => {
    fakeWallClock();
    const fixture = await startServer({ server: { responseTimeoutMs: 1_000, receiptRetryMs: 200 } });
    const peer = await boundPeer(fixture);
    await finalReceipt(fixture, "m1");
    await waitUntil(() => peer.of(CommandId.deliver_sm).length === 1, 3_000, "the receipt");
    const sentAt = performance.now();

    stepWallClock(-HOUR_MS);
    // Left unanswered: its answer deadline passes 1 s after it was sent, and the retry sends it again.
    await waitUntil(() => peer.of(CommandId.deliver_sm).length === 2, 6_000, "the receipt sent again");
    expect(performance.now() - sentAt).toBeGreaterThan(800);
    const again = peer.of(CommandId.deliver_sm)[1]!;
    peer.socket.write(encodePdu("deliver_sm_resp", again.sequence, { message_id: "" }));
    await waitUntil(async () => (await queuedReceipts(fixture)) === 0, 3_000, "the receipt removed");
    expect(fixture.server.sessionCount).toBe(1);
  }, 30_000);

  it("does not time out a receipt outstanding when the wall clock steps forward an hour: its answer in time counts", async () => {
    fakeWallClock();
    const responseTimeoutMs = 3_000;
    const fixture = await startServer({ server: { responseTimeoutMs, receiptRetryMs: 200 } });
    const peer = await boundPeer(fixture);
    await finalReceipt(fixture, "m1");
    await waitUntil(() => peer.of(CommandId.deliver_sm).length === 1, 3_000, "the first receipt");
    // The session's response timer is armed for the first receipt's deadline and, when it fires, expires every
    // request past its own: the second receipt, sent 1.5 s later and answered 0.5 s after that check — 1 s
    // before its own deadline.
    const firstSentAt = performance.now();
    const first = peer.of(CommandId.deliver_sm)[0]!;
    peer.socket.write(encodePdu("deliver_sm_resp", first.sequence, { message_id: "" }));
    await sleep(1_500);
    await finalReceipt(fixture, "m2");
    await waitUntil(() => peer.of(CommandId.deliver_sm).length === 2, 3_000, "the second receipt");

    stepWallClock(HOUR_MS);
    await sleep(Math.max(0, firstSentAt + responseTimeoutMs + 500 - performance.now()));
    const second = peer.of(CommandId.deliver_sm)[1]!;
    peer.socket.write(encodePdu("deliver_sm_resp", second.sequence, { message_id: "" }));
    await waitUntil(async () => (await queuedReceipts(fixture)) === 0, 3_000, "the receipts removed");

    // Beyond the retry time: a receipt timed out would have been sent again by now (or dropped as past the
    // retention, which is read on the wall clock against the time it was queued).
    await sleep(1_000);
    expect(await receiptOutcomes(fixture)).toEqual({ queued: 2, acknowledged: 2 });
    expect(peer.of(CommandId.deliver_sm)).toHaveLength(2);
    expect(fixture.server.sessionCount).toBe(1);
  }, 30_000);
});
