import { describe, expect, it } from "vitest";
import { webhookMaxAttempts, webhookRetryDelayMs } from "../../../src/north/webhook/webhook-backoff.js";

const backoff = { initialDelayMs: 1000, maxDelayMs: 300_000 };

describe("webhook backoff", () => {
  it("doubles from 1 s and stays at the 5 min cap", () => {
    const delays = Array.from({ length: 12 }, (_, i) => webhookRetryDelayMs(i + 1, backoff));
    expect(delays).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300].map((s) => s * 1000));
    expect(webhookRetryDelayMs(5000, backoff)).toBe(300_000);
  });

  it("counts the tries that fit in the retention window", () => {
    // No retry fits in a window shorter than the first delay.
    expect(webhookMaxAttempts(999, backoff)).toBe(1);
    expect(webhookMaxAttempts(1000, backoff)).toBe(2);
    expect(webhookMaxAttempts(3000, backoff)).toBe(3);
    // 1+2+…+256 s = 511 s, then one try every 300 s for the rest of a day.
    expect(webhookMaxAttempts(86_400_000, backoff)).toBe(10 + Math.floor((86_400_000 - 511_000) / 300_000));
  });
});
