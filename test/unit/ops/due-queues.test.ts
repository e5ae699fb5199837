import { describe, expect, it } from "vitest";
import { DueQueues } from "../../../src/ops/due-queues.js";

const entry = (id: string, dueAt: number) => ({ id, dueAt });

describe("DueQueues", () => {
  it("takes what is due across waits, the earliest first, and leaves what is not due", () => {
    const queues = new DueQueues<{ id: string; dueAt: number }>();
    queues.add(60_000, entry("long", 60_000)); // added first, due last
    queues.add(1_000, entry("a", 1_000));
    queues.add(1_000, entry("b", 2_000));
    queues.add(5_000, entry("c", 5_500));
    const { entries } = queues.takeDue(6_000, 10);
    expect(entries.map((e) => e.id)).toEqual(["a", "b", "c"]);
    expect(queues.size).toBe(1);
    expect(queues.takeDue(6_000, 10).entries).toEqual([]);
  });

  it("takes at most the limit, and puts back what it took in the same order (once, however often asked)", () => {
    const queues = new DueQueues<{ id: string; dueAt: number }>();
    for (let i = 0; i < 5; i++) queues.add(1_000, entry(`m${i}`, 1_000 + i));
    const first = queues.takeDue(10_000, 3);
    expect(first.entries.map((e) => e.id)).toEqual(["m0", "m1", "m2"]);
    expect(queues.size).toBe(2);
    first.putBack();
    first.putBack();
    expect(queues.size).toBe(5);
    expect(queues.takeDue(10_000, 10).entries.map((e) => e.id)).toEqual(["m0", "m1", "m2", "m3", "m4"]);
  });

  it("drops the entry due first when asked to bound memory, and says when there is none", () => {
    const queues = new DueQueues<{ id: string; dueAt: number }>();
    expect(queues.dropEarliest()).toBe(false);
    queues.add(5_000, entry("late", 5_000));
    queues.add(1_000, entry("early", 1_000));
    expect(queues.dropEarliest()).toBe(true);
    expect(queues.size).toBe(1);
    expect(queues.takeDue(10_000, 10).entries.map((e) => e.id)).toEqual(["late"]);
  });

  it("reports the longest wait still held and the earliest due time, forgetting emptied waits once pruned", () => {
    const queues = new DueQueues<{ id: string; dueAt: number }>();
    expect(queues.longestWaitAndEarliest(2_000)).toEqual({ longestMs: 2_000, earliestDue: undefined });
    queues.add(3_600_000, entry("hour", 3_600_000));
    queues.add(1_000, entry("second", 1_000));
    expect(queues.longestWaitAndEarliest(2_000)).toEqual({ longestMs: 3_600_000, earliestDue: 1_000 });
    queues.takeDue(Number.POSITIVE_INFINITY, 10);
    queues.prune();
    expect(queues.longestWaitAndEarliest(2_000)).toEqual({ longestMs: 2_000, earliestDue: undefined });
  });

  it("compacts a long-used queue without losing or reordering entries", () => {
    const queues = new DueQueues<{ id: string; dueAt: number }>();
    for (let i = 0; i < 5_000; i++) queues.add(1_000, entry(String(i), i));
    const taken: string[] = [];
    for (let round = 0; round < 50; round++) {
      for (const e of queues.takeDue(Number.POSITIVE_INFINITY, 90).entries) taken.push(e.id);
    }
    expect(taken).toEqual(Array.from({ length: 4_500 }, (_, i) => String(i)));
    expect(queues.takeDue(Number.POSITIVE_INFINITY, 1_000).entries.map((e) => Number(e.id))).toEqual(
      Array.from({ length: 500 }, (_, i) => 4_500 + i),
    );
  });
});
