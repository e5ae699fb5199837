import { describe, expect, it } from "vitest";
import { isReadonlyError, reconnectOnReadonly } from "../../../src/redis/failover.js";

describe("failover behind the same address", () => {
  it("knows Redis's refusal of a write on a replica, also as a script reports it", () => {
    expect(isReadonlyError("READONLY You can't write against a read only replica.")).toBe(true);
    expect(
      isReadonlyError("redis op store_create: READONLY You can't write against a read only replica."),
    ).toBe(true);
    expect(isReadonlyError("OOM command not allowed when used memory > 'maxmemory'.")).toBe(false);
    expect(reconnectOnReadonly(new Error("READONLY You can't write against a read only replica."))).toBe(2);
    expect(reconnectOnReadonly(new Error("NOSCRIPT No matching script."))).toBe(false);
  });
});
