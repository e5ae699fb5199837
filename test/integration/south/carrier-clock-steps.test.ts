import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import type { CarrierConfig } from "../../../src/config/types.js";
import { silentLogger } from "../../../src/observability/logger.js";
import { encodePdu } from "../../../src/smpp/session/pdu-codec.js";
import { toPoolClock } from "../../../src/delivery/pool-clock.js";
import { CarrierPool } from "../../../src/south/carrier-pool.js";
import { SubmitTicket } from "../../../src/south/submit-ticket.js";
import { startCarrierSim } from "../../helpers/carrier-sim.js";
import { testCarrier } from "../../helpers/carrier-config.js";
import { scriptedSmsc, type ScriptedFrame } from "../../helpers/scripted-smsc.js";
import { settledKind, testPart } from "../../helpers/submit-parts.js";
import { waitUntil } from "../../helpers/wait.js";
import { fakeWallClock, HOUR_MS, restoreWallClock, stepWallClock } from "../../helpers/wall-clock.js";

/**
 * A wall-clock step (NTP correction, VM resume, an operator's `date -s`) in the middle of a bind's life: Date alone is
 * faked — sockets, timers and performance.now() stay real — and it advances with real time until the test steps it.
 */
afterEach(restoreWallClock);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function startPool(carrier: CarrierConfig): CarrierPool {
  const pool = new CarrierPool({ carrier, logger: silentLogger() });
  pool.start();
  onTestFinished(() => pool.close(1000));
  return pool;
}

const NO_RECEIPTS = { DELIVRD: 0, UNDELIV: 0, EXPIRED: 0, none: 1 };

/** Delivery's clock in the daemon (RedisClock): monotonic, on the epoch's scale; a wall-clock step does not move it. */
const deliveryClock = (): number => performance.timeOrigin + performance.now();

/** A ticket as delivery hands it to a pool (queued-parts.ts): its times converted to the pools' clock by default. */
function ticket(notAfterInMs: number, validForMs: number): SubmitTicket {
  const clocks = { clock: deliveryClock };
  const now = deliveryClock();
  return new SubmitTicket(toPoolClock(clocks, now + notAfterInMs), toPoolClock(clocks, now + validForMs));
}

/** A relative validity_period ("YYMMDDhhmmss000R") in seconds. */
function validitySeconds(period: string): number {
  const [days, hours, minutes, seconds] = [4, 6, 8, 10].map((at) => Number(period.slice(at, at + 2)));
  return days! * 86_400 + hours! * 3_600 + minutes! * 60 + seconds!;
}

/**
 * Twelve parts behind a cap of 4 a second (about 3 s to drain), each never written after 8 s and valid for 2 minutes;
 * the wall clock steps by `stepMs` once the first is written. Returns their outcomes and the validities written.
 */
async function queuedAcrossAStep(stepMs: number): Promise<{ outcomes: string[]; validities: number[] }> {
  fakeWallClock();
  const sim = await startCarrierSim({ submitRespLatencyMs: { min: 1, max: 5 }, outcomeMix: NO_RECEIPTS });
  const pool = startPool(testCarrier({ port: sim.port!, throughputPerSecond: 4 }));
  await waitUntil(() => pool.boundCount === 1, 5000, "the bind");
  const pending = Array.from({ length: 12 }, (_, i) =>
    settledKind(pool.submit(testPart(i), ticket(8_000, 120_000))),
  );
  await waitUntil(() => sim.counters().submitsReceived >= 1, 3000, "the first submit written");
  stepWallClock(stepMs);
  const outcomes = await Promise.all(pending);
  return { outcomes, validities: sim.received().map((r) => validitySeconds(r.validityPeriod)) };
}

describe("carrier bind across wall-clock steps", () => {
  it("keeps submitting at the bind's throughput when the wall clock steps back an hour mid-run", async () => {
    fakeWallClock();
    const sim = await startCarrierSim({ submitRespLatencyMs: { min: 1, max: 5 }, outcomeMix: NO_RECEIPTS });
    const pool = startPool(testCarrier({ port: sim.port!, throughputPerSecond: 20 }));
    await waitUntil(() => pool.boundCount === 1, 5000, "the bind");
    const first = await Promise.all(
      Array.from({ length: 10 }, (_, i) => settledKind(pool.submit(testPart(i)))),
    );
    expect(first).toEqual(Array(10).fill("accepted"));

    stepWallClock(-HOUR_MS);
    const started = performance.now();
    const after = Promise.all(
      Array.from({ length: 40 }, (_, i) => settledKind(pool.submit(testPart(100 + i)))),
    );
    const result = await Promise.race([after, sleep(10_000).then(() => "stalled")]);
    const elapsedMs = performance.now() - started;

    expect(result).toEqual(Array(40).fill("accepted"));
    expect(sim.counters().submitsReceived).toBe(50);
    // 40 submits at 20/s take about 2 s: still at the bind's rate, neither stalled nor let loose.
    expect(elapsedMs).toBeGreaterThan(1_500);
    expect(elapsedMs).toBeLessThan(8_000);
  }, 30_000);

  it("keeps checking an idle bind with enquire_link when the wall clock steps back an hour", async () => {
    fakeWallClock();
    const sim = await startCarrierSim({ outcomeMix: NO_RECEIPTS });
    const pool = startPool(testCarrier({ port: sim.port!, enquireLinkIntervalMs: 300 }));
    await waitUntil(() => pool.boundCount === 1, 5000, "the bind");
    await waitUntil(() => sim.counters().enquireLinksAnswered >= 1, 3000, "a first enquire_link");

    stepWallClock(-HOUR_MS);
    const seen = sim.counters().enquireLinksAnswered;
    await waitUntil(
      () => sim.counters().enquireLinksAnswered >= seen + 2,
      5000,
      "enquire_links after the step",
    );
    expect(pool.status().binds[0]!.reconnects).toBe(0);
  }, 30_000);

  it("does not time out requests outstanding when the wall clock steps forward an hour: their answers count", async () => {
    fakeWallClock();
    const held: ScriptedFrame[] = [];
    const smsc = await scriptedSmsc((frame) => {
      if (frame.command !== "submit_sm") return false;
      held.push(frame); // answered by the test
      return true;
    });
    const responseTimeoutMs = 6_000;
    const pool = startPool(testCarrier({ port: smsc.port, responseTimeoutMs }));
    await waitUntil(() => pool.boundCount === 1, 5000, "the bind");
    // The session checks its window for expired requests one response timeout after its first request (the bind),
    // then again at each outstanding request's deadline: submits written 2 s after the bind are outstanding at that
    // check, and answered 1 s after it — 1 s before their own deadline.
    const boundAt = performance.now();
    await sleep(2_000);
    const outcomes = Array.from({ length: 5 }, (_, i) => settledKind(pool.submit(testPart(i))));
    await waitUntil(() => held.length === 5, 3000, "the submits written");

    stepWallClock(HOUR_MS);
    await sleep(Math.max(0, boundAt + responseTimeoutMs + 1_000 - performance.now()));
    const socket = smsc.sockets[0]!;
    for (const frame of held) {
      socket.write(encodePdu("submit_sm_resp", frame.sequence, { message_id: `M${frame.sequence}` }));
    }

    expect(await Promise.all(outcomes)).toEqual(Array(5).fill("accepted"));
    expect(pool.status().binds[0]!.reconnects).toBe(0);
    expect(smsc.conns()).toBe(1);
  }, 30_000);

  it("keeps parts queued behind a throughput cap when the wall clock steps forward an hour: none refused as too late", async () => {
    const { outcomes, validities } = await queuedAcrossAStep(HOUR_MS);
    expect(outcomes).toEqual(Array(12).fill("accepted"));
    // Written within ~4 s of being queued: about 2 minutes left each, not an hour less.
    for (const seconds of validities) expect(seconds).toBeGreaterThan(110);
    for (const seconds of validities) expect(seconds).toBeLessThanOrEqual(120);
  }, 30_000);

  it("writes parts queued behind a throughput cap with the validity they have left when the wall clock steps back an hour", async () => {
    const { outcomes, validities } = await queuedAcrossAStep(-HOUR_MS);
    expect(outcomes).toEqual(Array(12).fill("accepted"));
    // Not an hour too long: the carrier would go on delivering a code the OTP's expiry has ended (DESIGN promise 4).
    for (const seconds of validities) expect(seconds).toBeGreaterThan(110);
    for (const seconds of validities) expect(seconds).toBeLessThanOrEqual(120);
  }, 30_000);
});
