import { describe, expect, it } from "vitest";
import { VolumeLimitedError } from "../../../src/delivery/create-limits.js";
import { MessageStore } from "../../../src/delivery/message-store.js";
import type { Message } from "../../../src/delivery/types.js";
import type { Account } from "../../../src/north/accounts/account-types.js";
import { volumeLimitsFor } from "../../../src/north/accounts/volume-limits.js";
import { testMessage } from "../../helpers/message.js";
import { testRedis } from "../../helpers/redis.js";

const RETENTION = { bodyMs: 0, messageMs: 60_000, idempotencyMs: 60_000, correlationMs: 60_000 };

const ACCOUNT: Account = {
  id: "acme",
  apiKeyDigests: [],
  senders: ["ACME"],
  ratePerSecond: 100,
  perNumberLimit: { messages: 2, windowSeconds: 60 },
  perRangeLimit: { messages: 3, windowSeconds: 60, rangeDigits: 2 },
};

async function setup() {
  const { client, prefix } = await testRedis();
  const store = new MessageStore({ redis: client, prefix, retention: RETENTION });
  const create = (id: string, to: string, options: { idempotencyKey?: string } = {}) => {
    const message: Message = { ...testMessage(id), to };
    return store.create(message, "code 123456", 1000, {
      ...options,
      limits: volumeLimitsFor(prefix, ACCOUNT, to),
    });
  };
  return { client, prefix, store, create };
}

describe("anti-abuse volume limits, taken in the create step (real Redis)", () => {
  it("refuses the message past a number's limit, storing and counting nothing, with the time until it resets", async () => {
    const { client, prefix, store, create } = await setup();
    expect((await create("a1", "+6281234567801")).created).toBe(true);
    expect((await create("a2", "+6281234567801")).created).toBe(true);
    const refused = await create("a3", "+6281234567801").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(VolumeLimitedError);
    const error = refused as VolumeLimitedError;
    expect(error.limit.kind).toBe("number");
    expect(error.retryAfterMs).toBeGreaterThan(55_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(error.message).toBe("the account's limit of 2 messages per number in 60 s is reached");
    expect(await store.get("a3")).toBeNull();
    expect(await client.get(`${prefix}limit:n:acme:+6281234567801`)).toBe("2");
    // The range counted only the two stored: the refusal took nothing from it.
    expect(await client.get(`${prefix}limit:r:acme:+62812345678xx`)).toBe("2");
  });

  it("refuses a walk through a range of numbers, each number under its own limit", async () => {
    const { store, create } = await setup();
    for (const to of ["+6281234567810", "+6281234567811", "+6281234567812"])
      expect((await create(`w${to}`, to)).created).toBe(true);
    const refused = await create("w4", "+6281234567813").catch((e: unknown) => e);
    expect((refused as VolumeLimitedError).limit.kind).toBe("range");
    expect(await store.get("w4")).toBeNull();
    // Another range has its own count.
    expect((await create("w5", "+6281234567900")).created).toBe(true);
  });

  it("counts a repeat of a stored message (same idempotency key) nothing", async () => {
    const { client, prefix, create } = await setup();
    for (let i = 0; i < 4; i++) {
      const result = await create(`i${i}`, "+6281234567820", { idempotencyKey: "k1" });
      expect(result).toEqual({ id: "i0", created: i === 0 });
    }
    expect(await client.get(`${prefix}limit:n:acme:+6281234567820`)).toBe("1");
  });

  it("opens the window again once it has passed", async () => {
    const { client, prefix, create } = await setup();
    const key = `${prefix}limit:n:acme:+6281234567830`;
    await create("t1", "+6281234567830");
    await create("t2", "+6281234567830");
    await expect(create("t3", "+6281234567830")).rejects.toBeInstanceOf(VolumeLimitedError);
    // The window's end, brought forward.
    await client.pexpire(key, 50);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect((await create("t4", "+6281234567830")).created).toBe(true);
    expect(await client.get(key)).toBe("1");
    expect(await client.pttl(key)).toBeGreaterThan(55_000);
  });

  it("takes no key at all for an account without limits", () => {
    expect(
      volumeLimitsFor("p:", { ...ACCOUNT, perNumberLimit: undefined, perRangeLimit: undefined }, "+62811"),
    ).toBe(undefined);
  });
});
