import { describe, expect, it } from "vitest";
import { parseYamlSource } from "../../../src/config/yaml-source.js";

const text = `# header comment

id: a
reconnect:
  min_delay_ms: 5
list:
  - first
  - second
flow: { x: 1 }
`;

describe("parseYamlSource", () => {
  const source = parseYamlSource(text, "f.yaml");

  it("returns the document as plain data", () => {
    expect(source.problems).toEqual([]);
    expect(source.data).toEqual({
      id: "a",
      reconnect: { min_delay_ms: 5 },
      list: ["first", "second"],
      flow: { x: 1 },
    });
  });

  it("locates keys, nested keys, list items and flow mappings on their own lines", () => {
    expect(source.lineOf(["id"])).toBe(3);
    expect(source.lineOf(["reconnect"])).toBe(4);
    expect(source.lineOf(["reconnect", "min_delay_ms"])).toBe(5);
    expect(source.lineOf(["list", 1])).toBe(8);
    expect(source.lineOf(["flow", "x"])).toBe(9);
  });

  it("locates a missing key at the mapping it belongs in", () => {
    expect(source.lineOf(["reconnect", "max_delay_ms"])).toBe(4);
    expect(source.lineOf(["port"])).toBe(3);
    expect(source.lineOf(["list", 5])).toBe(6);
  });

  it("reports an alias bomb as a problem instead of expanding it", () => {
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]", "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]"];
    bomb.push(
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]",
      "d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]",
    );
    const parsed = parseYamlSource(bomb.join("\n"), "bomb.yaml");
    expect(parsed.data).toBeUndefined();
    expect(parsed.problems).toHaveLength(1);
    expect(parsed.problems[0]?.reason).toMatch(/^YAML error: /);
  });
});
