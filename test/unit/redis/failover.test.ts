import { describe, expect, it } from "vitest";
import { isReadonlyError, readonlyReconnect } from "../../../src/redis/failover.js";

describe("failover behind the same address", () => {
  it("knows Redis's refusal of a write on a replica, also as a script reports it", () => {
    expect(isReadonlyError("READONLY You can't write against a read only replica.")).toBe(true);
    expect(
      isReadonlyError("redis op store_create: READONLY You can't write against a read only replica."),
    ).toBe(true);
    expect(isReadonlyError("OOM command not allowed when used memory > 'maxmemory'.")).toBe(false);
  });

  it("reconnects and resends on READONLY at most once a second, so a command is never resent for ever", () => {
    let now = 0;
    const onError = readonlyReconnect(() => now);
    const readonly = new Error("READONLY You can't write against a read only replica.");
    expect(onError(new Error("NOSCRIPT No matching script."))).toBe(false);
    expect(onError(readonly)).toBe(2);
    now += 50; // resent, and refused again: the address leads to a replica
    expect(onError(readonly)).toBe(false);
    now += 1000;
    expect(onError(readonly)).toBe(2);
    // Each connection has its own.
    expect(readonlyReconnect(() => now)(readonly)).toBe(2);
  });
});
