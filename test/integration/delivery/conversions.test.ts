import { describe, expect, it } from "vitest";
import { decodeMessage, encodeMessage } from "../../../src/delivery/doc-codec.js";
import { deliveryHarness } from "../../helpers/delivery-harness.js";
import { waitUntil } from "../../helpers/wait.js";

const QUICK = { submitRespLatencyMs: { min: 1, max: 3 }, receiptLatencyMs: { min: 10, max: 30 } };
const SILENT = { ...QUICK, outcomeMix: { DELIVRD: 0, UNDELIV: 0, EXPIRED: 0, none: 1 } };

describe("conversion reports (the person used the code)", () => {
  it("delivers a message still waiting for its receipt at once, and tries no other carrier", async () => {
    const h = await deliveryHarness({
      carriers: [
        { id: "silent", sim: SILENT },
        { id: "other", sim: QUICK },
      ],
      dlrTimeoutMs: 1500,
    });
    await waitUntil(() => [...h.pools.values()].every((p) => p.boundCount === 1), 15_000, "the binds");
    const { id } = (await h.engine.accept(h.newMessage(1))).message;
    await waitUntil(
      async () => (await h.engine.get(id))?.attempts[0]?.partStatus[0] === "accepted",
      10_000,
      "the silent carrier's acceptance",
    );

    const converted = (await h.engine.convert(id))!;
    expect(converted.state).toBe("delivered");
    expect(converted.convertedAt).toBeTypeOf("number");
    expect(converted.finalReason).toBe("code used (conversion reported) after attempt 1 on silent");
    expect(converted.attempts.map((a) => `${a.carrier} ${a.outcome}`)).toEqual(["silent delivered"]);
    await waitUntil(() => h.notified.some((m) => m.id === id), 5_000, "the final notification");

    // Past the DLR timeout: no reroute to the other carrier came of the missing receipt.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const later = (await h.engine.get(id))!;
    expect(later.attempts).toHaveLength(1);
    expect(h.notified.filter((m) => m.id === id)).toHaveLength(1);
  });

  it("records a conversion on a final message without changing its state, and counts only the first", async () => {
    const h = await deliveryHarness({ carriers: [{ id: "good", sim: QUICK }], dlrTimeoutMs: 2000 });
    await waitUntil(() => h.pools.get("good")!.boundCount === 1, 15_000, "the bind");
    const { id } = (await h.engine.accept(h.newMessage(2))).message;
    await waitUntil(() => h.notified.some((m) => m.id === id), 10_000, "the delivery");
    const final = (await h.engine.get(id))!;

    const first = (await h.engine.convert(id))!;
    expect(first.state).toBe("delivered");
    expect(first.finalReason).toBe(final.finalReason);
    expect(first.convertedAt).toBeGreaterThanOrEqual(final.finalAt!);
    const again = (await h.engine.convert(id))!;
    expect(again.convertedAt).toBe(first.convertedAt);
    expect(h.notified.filter((m) => m.id === id)).toHaveLength(1);
    expect(await h.engine.convert("0000000000000000nothere")).toBeNull();
  });

  it("tells live health of each delivery for an account that reports, and of its conversion, by delivery time", async () => {
    const seen: string[] = [];
    const h = await deliveryHarness({
      carriers: [
        { id: "silent", sim: SILENT },
        { id: "good", sim: QUICK },
      ],
      dlrTimeoutMs: 1000,
      reportsConversions: (account) => account === "acme",
      conversionObserved: (to, country, carrier, deliveredAt, converted) =>
        void seen.push(`${to} ${country} ${carrier} ${deliveredAt} ${converted}`),
    });
    await waitUntil(() => [...h.pools.values()].every((p) => p.boundCount === 1), 15_000, "the binds");
    // Silent, then rerouted to good after the 1 s DLR timeout: the delivery is good's, at its final time.
    const { id } = (await h.engine.accept(h.newMessage(3))).message;
    await waitUntil(() => h.notified.some((m) => m.id === id), 10_000, "the delivery");
    const final = (await h.engine.get(id))!;
    expect(final.attempts.map((a) => `${a.carrier} ${a.outcome}`)).toEqual([
      "silent timeout",
      "good delivered",
    ]);
    expect(seen).toEqual([`+628110000003 ID good ${final.finalAt} false`]);
    await h.engine.convert(id);
    await h.engine.convert(id);
    expect(seen).toEqual([
      `+628110000003 ID good ${final.finalAt} false`,
      `+628110000003 ID good ${final.finalAt} true`,
    ]);

    // Converted while waiting on the silent carrier: delivered there and then, and converted.
    seen.length = 0;
    const waiting = (await h.engine.accept(h.newMessage(4))).message.id;
    await waitUntil(
      async () => (await h.engine.get(waiting))?.attempts[0]?.partStatus[0] === "accepted",
      10_000,
      "the silent carrier's acceptance",
    );
    const done = (await h.engine.convert(waiting))!;
    expect(seen.map((line) => line.replace(/ \d+ /, " T "))).toEqual([
      `+628110000004 ID silent T false`,
      `+628110000004 ID silent T true`,
    ]);
    const [deliveredAt, convertedAt] = seen.map((line) => Number(line.split(" ")[3]));
    expect(deliveredAt).toBe(done.finalAt);
    expect(Math.abs(convertedAt! - deliveredAt!)).toBeLessThan(1000);

    // Another account's delivery is not counted.
    seen.length = 0;
    const other = (await h.engine.accept(h.newMessage(5, { account: "other" }))).message.id;
    await waitUntil(() => h.notified.some((m) => m.id === other), 10_000, "the other delivery");
    expect(seen).toEqual([]);
  });

  it("keeps the conversion time in the stored document", () => {
    const message = {
      id: "m1",
      account: "acme",
      to: "+6281100000001",
      from: "ACME",
      country: "ID",
      parts: 1,
      textLength: 10,
      receiptVia: "none" as const,
      createdAt: 1_000_000,
      expiresAt: 1_060_000,
      state: "delivered" as const,
      attempts: [],
      finalAt: 1_002_000,
      convertedAt: 1_004_500,
    };
    expect(decodeMessage(encodeMessage(message)).convertedAt).toBe(1_004_500);
    expect(decodeMessage(encodeMessage({ ...message, convertedAt: undefined })).convertedAt).toBeUndefined();
  });
});
