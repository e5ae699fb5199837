import { describe, expect, it } from "vitest";
import { suggestKey } from "../../../src/config/suggest-key.js";

const known = ["window", "binds", "system_id", "reconnect", "min_delay_ms", "throughput_per_second"];

describe("suggestKey", () => {
  it("suggests the key a typo most likely meant", () => {
    expect(suggestKey("windw", known)).toBe("window");
    expect(suggestKey("systemId", known)).toBe("system_id");
    expect(suggestKey("min_delay", known)).toBe("min_delay_ms");
    expect(suggestKey("window_size", known)).toBe("window");
    expect(suggestKey("throughput", known)).toBe("throughput_per_second");
  });

  it("suggests nothing for a key unlike any known one", () => {
    expect(suggestKey("colour", known)).toBeUndefined();
    expect(suggestKey("x", known)).toBeUndefined();
  });
});
