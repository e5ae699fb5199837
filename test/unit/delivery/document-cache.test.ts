import { describe, expect, it } from "vitest";
import { DocumentCache } from "../../../src/delivery/document-cache.js";
import type { Versioned } from "../../../src/delivery/message-store.js";

const doc = (id: string, version = 1): Versioned => ({ message: { id } as Versioned["message"], version });

describe("DocumentCache", () => {
  it("keeps at most its bound, dropping the least recently written first", () => {
    const cache = new DocumentCache(3);
    cache.set("a", doc("a"));
    cache.set("b", doc("b"));
    cache.set("c", doc("c"));
    cache.set("a", doc("a", 2)); // rewritten: now the most recent
    cache.set("d", doc("d"));
    expect(cache.size).toBe(3);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")?.version).toBe(2);
    expect(cache.get("c")).toBeDefined();
    expect(cache.get("d")).toBeDefined();
    cache.delete("c");
    expect(cache.get("c")).toBeUndefined();
    expect(cache.size).toBe(2);
  });
});
