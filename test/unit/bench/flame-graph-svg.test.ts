import { describe, expect, it } from "vitest";
import { flameGraphSvg, flameTree } from "../../../scripts/bench/flame-graph-svg.js";

interface Frame {
  name: string;
  x: number;
  y: number;
  width: number;
  label: string | undefined;
}

/** The frames of a picture: each `<g>` with its title, rectangle and label. */
function framesOf(svg: string): Frame[] {
  return [
    ...svg.matchAll(
      /<g><title>([^<]*) \(\S+ µs, [\d.]+ %\)<\/title><rect x="([\d.]+)" y="(\d+)" width="([\d.]+)"[^>]*\/>(?:<text[^>]*>([^<]*)<\/text>)?<\/g>/g,
    ),
  ].map((m) => ({ name: m[1]!, x: Number(m[2]), y: Number(m[3]), width: Number(m[4]), label: m[5] }));
}

describe("flame graph SVG from folded stacks", () => {
  const folded = [
    "main;onData;pack 300",
    "main;onData 100",
    "main;write 600",
    "(garbage collector) 1000",
    "junk",
    "",
  ].join("\n");

  it("merges stacks into one tree, each frame the sum of the time in and under it", () => {
    const root = flameTree(folded);
    expect(root.us).toBe(2000);
    const main = root.children.get("main")!;
    expect(main.us).toBe(1000);
    expect(main.children.get("onData")!.us).toBe(400);
    expect(main.children.get("onData")!.children.get("pack")!.us).toBe(300);
  });

  it("draws each frame as wide as its time, children on top of their parent and side by side", () => {
    const frames = framesOf(flameGraphSvg(folded, { title: "t", width: 1020 }));
    const byName = new Map(frames.map((f) => [f.name, f]));
    expect(frames.map((f) => f.name).sort()).toEqual(
      ["(garbage collector)", "all", "main", "onData", "pack", "write"].sort(),
    );
    // 1,000 px for 2,000 µs: half a pixel per microsecond.
    expect(byName.get("all")!.width).toBeCloseTo(1000, 0);
    expect(byName.get("main")!.width).toBeCloseTo(500, 0);
    expect(byName.get("write")!.width).toBeCloseTo(300, 0);
    expect(byName.get("pack")!.width).toBeCloseTo(150, 0);
    // The root at the bottom, each level one frame higher.
    expect(byName.get("main")!.y).toBeLessThan(byName.get("all")!.y);
    expect(byName.get("onData")!.y).toBeLessThan(byName.get("main")!.y);
    expect(byName.get("write")!.y).toBe(byName.get("onData")!.y);
    // Siblings sorted by name and adjacent: onData first, write right after it.
    expect(byName.get("write")!.x).toBeCloseTo(byName.get("onData")!.x + byName.get("onData")!.width, 0);
  });

  it("greys V8's own entries, not JavaScript frames (an anonymous function's included)", () => {
    const svg = flameGraphSvg(["(garbage collector) 500", "main;(anonymous) a.js:3 500"].join("\n"), {
      title: "t",
    });
    const fill = (name: string) =>
      new RegExp(`<title>${name.replace(/[()]/g, "\\$&")} \\([^<]*</title><rect [^>]*fill="([^"]+)"`).exec(
        svg,
      )?.[1];
    expect(fill("(garbage collector)")).toBe("rgb(190,190,190)");
    expect(fill("(anonymous) a.js:3")).toMatch(/^rgb\(2\d\d,/);
  });

  it("shortens labels that do not fit, leaves out frames narrower than a tenth of a pixel, escapes names", () => {
    const long = "aVeryLongFunctionNameThatCannotFitInItsFrame";
    // 200 px for 1,000 µs: the long name's frame is 180 px, room for 26 characters of 6.6 px.
    const svg = flameGraphSvg([`${long} 900`, `x<y>&"z" 100`, "tiny 0.01"].join("\n"), {
      title: "a < b",
      width: 220,
    });
    const frames = framesOf(svg);
    expect(frames.find((f) => f.name === long)!.label).toBe(`${long.slice(0, 24)}..`);
    expect(frames.some((f) => f.name === "tiny")).toBe(false);
    expect(svg).toContain("x&#60;y&#62;&#38;&#34;z&#34;");
    expect(svg).toContain(">a &#60; b</text>");
    expect(svg).not.toContain("x<y>");
  });
});
