import { describe, expect, it } from "vitest";
import { SubmitQueue } from "../../../src/south/submit-queue.js";
import type { QueuedSubmit } from "../../../src/south/submit-types.js";

function item(n: number): QueuedSubmit {
  return {
    fields: { destination_addr: String(n) } as QueuedSubmit["fields"],
    enqueuedAt: n,
    ticket: undefined,
    resolve: () => {},
    reject: () => {},
  };
}

describe("SubmitQueue", () => {
  it("is FIFO and hands back requeued items before newer ones", () => {
    const q = new SubmitQueue();
    for (let i = 1; i <= 3; i++) q.push(item(i));
    const first = q.next()!;
    expect(first.enqueuedAt).toBe(1);
    q.requeue(first);
    expect(q.length).toBe(3);
    expect([q.next(), q.next(), q.next()].map((x) => x!.enqueuedAt)).toEqual([1, 2, 3]);
    expect(q.next()).toBeUndefined();
  });

  it("keeps order across compaction of a long queue", () => {
    const q = new SubmitQueue();
    for (let i = 0; i < 5000; i++) q.push(item(i));
    const seen: number[] = [];
    for (let i = 0; i < 3000; i++) seen.push(q.next()!.enqueuedAt);
    for (let i = 5000; i < 5100; i++) q.push(item(i));
    let next: QueuedSubmit | undefined;
    while ((next = q.next())) seen.push(next.enqueuedAt);
    expect(seen).toEqual(Array.from({ length: 5100 }, (_, i) => i));
  });

  it("drains everything, requeued first", () => {
    const q = new SubmitQueue();
    q.push(item(1));
    q.push(item(2));
    const a = q.next()!;
    q.requeue(a);
    expect(q.drain().map((x) => x.enqueuedAt)).toEqual([1, 2]);
    expect(q.length).toBe(0);
  });
});
