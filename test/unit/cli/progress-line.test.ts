import { describe, expect, it } from "vitest";
import { ProgressLine, REDRAW_INTERVAL_MS } from "../../../src/cli/progress-line.js";

function terminal(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, sink: { isTTY, write: (text: string) => writes.push(text) } };
}

describe("the progress line of long commands", () => {
  it("redraws one line on a terminal at most every 100 ms, and erases it at the end", () => {
    const { writes, sink } = terminal(true);
    let now = 1_000;
    let notes = 0;
    const progress = new ProgressLine(sink, "writing", () => now);
    const note = () => `${++notes} numbers`;
    progress.update(0, 4, note);
    progress.update(1, 4, note); // within 100 ms: not drawn, and its note not built
    now += REDRAW_INTERVAL_MS;
    progress.update(2, 4, note);
    expect(notes).toBe(2);
    expect(writes).toEqual([
      `\rwriting ${"░".repeat(30)} 0% 1 numbers\x1b[K`,
      `\rwriting ${"█".repeat(15)}${"░".repeat(15)} 50% 2 numbers\x1b[K`,
    ]);
    progress.clear();
    progress.clear();
    expect(writes.slice(2)).toEqual(["\r\x1b[K"]);
  });

  it("writes nothing where stderr is not a terminal (a pipe, a log)", () => {
    const { writes, sink } = terminal(false);
    const progress = new ProgressLine(sink, "checking", () => 0);
    progress.update(1, 2, () => "1 lines");
    progress.clear();
    expect(writes).toEqual([]);
  });
});
