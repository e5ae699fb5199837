import { describe, expect, it } from "vitest";
import { FinalMetrics } from "../../../src/delivery/final-metrics.js";
import type { Attempt } from "../../../src/delivery/types.js";
import { createMetrics } from "../../../src/observability/metrics.js";
import { testMessage } from "../../helpers/message.js";

function attempt(n: number, carrier: string, startedAt: number, end: Partial<Attempt>): Attempt {
  return {
    n,
    channel: "sms",
    carrier,
    startedAt,
    dlrDeadline: startedAt + 30_000,
    carrierMessageIds: ["x"],
    partStatus: ["accepted"],
    ...end,
  };
}

/** A histogram's count and sum per label set, as prom-client would export them. */
async function histogram(metrics: ReturnType<typeof createMetrics>, name: string) {
  const { values } = await metrics.registry.getSingleMetric(name)!.get();
  const out: Record<string, { count: number; sum: number }> = {};
  for (const v of values as {
    labels: Record<string, string | number>;
    value: number;
    metricName?: string;
  }[]) {
    const { le: _le, ...labels } = v.labels;
    const key = Object.values(labels).join(" ");
    out[key] ??= { count: 0, sum: 0 };
    if (v.metricName?.endsWith("_count")) out[key].count = v.value;
    if (v.metricName?.endsWith("_sum")) out[key].sum = Math.round(v.value * 1000) / 1000;
  }
  return out;
}

describe("delivery times of final messages", () => {
  it("counts the time to the final state by state, and each attempt's receipt time by carrier and stat", async () => {
    const metrics = createMetrics();
    const final = new FinalMetrics(metrics);
    // Rerouted: UNDELIV from tsel after 2 s, then DELIVRD from isat 1.5 s after its start; final 4 s after acceptance.
    final.observe(
      testMessage("m1", {
        createdAt: 10_000,
        state: "delivered",
        finalAt: 14_000,
        attempts: [
          attempt(1, "tsel", 10_100, { outcome: "failed", receiptStat: "UNDELIV", endedAt: 12_100 }),
          attempt(2, "isat", 12_500, { outcome: "delivered", receiptStat: "DELIVRD", endedAt: 14_000 }),
        ],
      }),
      14_000,
    );
    // Timed out on tsel (no receipt: not a receipt time), expired 30 s after acceptance.
    final.observe(
      testMessage("m2", {
        createdAt: 20_000,
        state: "expired",
        finalAt: 50_000,
        attempts: [attempt(1, "tsel", 20_100, { outcome: "timeout", endedAt: 50_000 })],
      }),
      50_000,
    );
    // Delivered on tsel in 0.8 s (a second observation of a label set already seen).
    final.observe(
      testMessage("m3", {
        createdAt: 60_000,
        state: "delivered",
        finalAt: 61_000,
        attempts: [
          attempt(1, "tsel", 60_200, { outcome: "delivered", receiptStat: "DELIVRD", endedAt: 61_000 }),
        ],
      }),
      61_000,
    );

    // Failed by SMS, then delivered by WhatsApp: a channel's status is not a carrier's receipt.
    final.observe(
      testMessage("m4", {
        createdAt: 70_000,
        state: "delivered",
        finalAt: 73_000,
        attempts: [
          attempt(1, "tsel", 70_100, { outcome: "failed", receiptStat: "UNDELIV", endedAt: 71_000 }),
          {
            ...attempt(2, "whatsapp", 71_000, {
              outcome: "delivered",
              receiptStat: "DELIVRD",
              endedAt: 73_000,
            }),
            channel: "whatsapp",
          },
        ],
      }),
      73_000,
    );

    // Delivered by a conversion report while isat had only said ENROUTE: no final receipt to time.
    final.observe(
      testMessage("m5", {
        createdAt: 80_000,
        state: "delivered",
        finalAt: 84_000,
        convertedAt: 84_000,
        attempts: [
          attempt(1, "isat", 80_100, { outcome: "delivered", receiptStat: "ENROUTE", endedAt: 84_000 }),
        ],
      }),
      84_000,
    );

    expect(await histogram(metrics, "otpgw_message_final_seconds")).toEqual({
      delivered: { count: 4, sum: 12 },
      expired: { count: 1, sum: 30 },
    });
    expect(await histogram(metrics, "otpgw_carrier_receipt_seconds")).toEqual({
      "tsel UNDELIV": { count: 2, sum: 2.9 },
      "isat DELIVRD": { count: 1, sum: 1.5 },
      "tsel DELIVRD": { count: 1, sum: 0.8 },
    });
  });
});
