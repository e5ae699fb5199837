import { afterEach, describe, expect, inject, it } from "vitest";
import { CarrierSimulator, type SimulatorOptions } from "../../../scripts/sim/carrier-simulator.js";
import { daemonFixture } from "../../helpers/daemon-fixture.js";
import { waitUntil } from "../../helpers/wait.js";
import { webhookReceiver } from "../../helpers/webhook-receiver.js";
import { FIXTURE_ACCOUNT } from "../../helpers/daemon-fixture.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const MESSAGES = 2000;
/** How much later than final_at a submit written before the final state may reach a simulator (see below). */
const LATE_TOLERANCE_MS = 1000;

/** Runs `task` over `items` with at most `limit` in flight. */
async function pool<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await task(items[index]!);
      }
    }),
  );
  return results;
}

describe("crash safety", () => {
  it("after a SIGKILL with 2,000 messages in flight, every acknowledged message reaches one final state and one webhook (two only if its first was answered as otpgw died)", async () => {
    // Receipts come 3–5 s after the submit, so the kill lands while every message awaits its receipt.
    const simOptions: SimulatorOptions = {
      credentials: [{ systemId: "otpgw", password: "secret" }],
      submitRespLatencyMs: { min: 1, max: 5 },
      receiptLatencyMs: { min: 3000, max: 5000 },
      outcomeMix: { DELIVRD: 9, UNDELIV: 1, EXPIRED: 0, none: 0 },
    };
    const sims = [new CarrierSimulator(simOptions), new CarrierSimulator(simOptions)];
    for (const s of sims) {
      await s.start();
      cleanups.push(() => s.stop());
    }
    const hooks = await webhookReceiver(FIXTURE_ACCOUNT.webhookSecret);
    const daemon = await daemonFixture({
      redisUrl: inject("redisUrl"),
      carriers: [
        { id: "id-a", port: sims[0]!.port! },
        { id: "id-b", port: sims[1]!.port! },
      ],
      dlrTimeoutSeconds: 8,
    });
    await daemon.start();
    await daemon.waitForBinds();

    const destinations = Array.from({ length: MESSAGES }, (_, i) => `+62811${String(i).padStart(7, "0")}`);
    const acked = await pool(destinations, 50, async (to) => {
      const r = await daemon.api("/v1/messages", {
        method: "POST",
        body: { to, from: "ACME", text: "Your code is 123456", callback_url: hooks.url },
      });
      return r.status === 202 ? { id: r.body.id as string, to } : undefined;
    });
    const ids = acked.filter((a) => a !== undefined);
    expect(ids).toHaveLength(MESSAGES);
    const webhooksBeforeKill = hooks.calls.length;

    await daemon.kill();
    await new Promise((r) => setTimeout(r, 500));
    // Everything the killed process sent has arrived by now.
    const fromKilledProcess = hooks.calls.length;
    await daemon.start();

    await waitUntil(
      () => new Set(hooks.calls.map((c) => c.eventId)).size >= MESSAGES,
      90_000,
      "a webhook per message",
    );
    await new Promise((r) => setTimeout(r, 1000));

    // One final notification per acknowledged message, correctly signed. The one exception is at least once by
    // design: a webhook the receiver answered just as otpgw was killed, before otpgw recorded the answer, is sent
    // once more after the restart (receivers dedupe on the event id). Such an event came first from the killed
    // process.
    const sentByKilled = new Set(hooks.calls.slice(0, fromKilledProcess).map((c) => c.eventId));
    const byEvent = new Map<string, number>();
    for (const call of hooks.calls) byEvent.set(call.eventId, (byEvent.get(call.eventId) ?? 0) + 1);
    // Written so that a failure names the events (and whether each came first from the killed process).
    expect(byEvent.size).toBe(MESSAGES);
    const repeated = [...byEvent].filter(([, n]) => n !== 1);
    expect(
      repeated
        .filter(([event, n]) => !(n === 2 && sentByKilled.has(event)))
        .map(([event, n]) => ({
          event,
          n,
          firstFromKilledProcess: sentByKilled.has(event),
        })),
    ).toEqual([]);
    expect(hooks.calls.filter((c) => !c.validSignature).map((c) => c.eventId)).toEqual([]);
    expect(ids.filter(({ id }) => !byEvent.has(`final:${id}`))).toEqual([]);

    // Nothing is submitted after its message's final state. Every submit a carrier received belongs to an SMS attempt
    // on that carrier which the message records as started before its final state (a send of no attempt, or of one
    // started after the final state, would be one too many), and none reached a carrier long after the final state
    // (a resend after it). "Long": an attempt a bind had just written when a late receipt of the previous attempt
    // made the message final (it was rerouted at its DLR deadline, the receipt held up by the kill) is a send before
    // the final state, yet it may reach a simulator some milliseconds after final_at on a loaded machine.
    const carrierIds = ["id-a", "id-b"];
    const finalAt = new Map<string, number>();
    const startedBeforeFinal = new Map<string, number>(); // destination \n carrier → SMS attempts
    const states = new Map<string, number>();
    await pool(ids, 20, async ({ id, to }) => {
      const view = await daemon.api(`/v1/messages/${id}`);
      const state = view.body.state as string;
      states.set(state, (states.get(state) ?? 0) + 1);
      const final = Date.parse(view.body.final_at as string);
      finalAt.set(to.slice(1), final);
      for (const a of view.body.attempts as { channel: string; carrier: string; started_at: string }[]) {
        if (a.channel !== "sms" || Date.parse(a.started_at) > final) continue;
        const key = `${to.slice(1)}\n${a.carrier}`;
        startedBeforeFinal.set(key, (startedBeforeFinal.get(key) ?? 0) + 1);
      }
    });
    expect([...states.keys()].filter((s) => !["delivered", "undeliverable", "expired"].includes(s))).toEqual(
      [],
    );
    expect(states.get("delivered")).toBeGreaterThan(MESSAGES * 0.8);
    const received = new Map<string, number>();
    const submittedAfterFinal: { destination: string; late: number }[] = [];
    sims.forEach((sim, i) => {
      for (const m of sim.received()) {
        const key = `${m.destination}\n${carrierIds[i]}`;
        received.set(key, (received.get(key) ?? 0) + 1);
        const late = m.receivedAt - finalAt.get(m.destination)!;
        if (late > LATE_TOLERANCE_MS) submittedAfterFinal.push({ destination: m.destination, late });
      }
    });
    expect(submittedAfterFinal).toEqual([]);
    expect(
      [...received]
        .filter(([key, n]) => n > (startedBeforeFinal.get(key) ?? 0))
        .map(([key, n]) => ({ key, received: n, attempts: startedBeforeFinal.get(key) ?? 0 })),
    ).toEqual([]);
    // The kill really caught messages in flight.
    expect(webhooksBeforeKill).toBeLessThan(MESSAGES);
  }, 180_000);
});
