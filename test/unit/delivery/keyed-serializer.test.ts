import { describe, expect, it } from "vitest";
import { KeyedSerializer } from "../../../src/delivery/keyed-serializer.js";

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe("KeyedSerializer", () => {
  it("runs tasks of one key one after another and tasks of different keys side by side", async () => {
    const serial = new KeyedSerializer();
    const log: string[] = [];
    const task = (name: string) => async () => {
      log.push(`${name} start`);
      await tick();
      log.push(`${name} end`);
    };
    await Promise.all([
      serial.run("a", task("a1")),
      serial.run("a", task("a2")),
      serial.run("b", task("b1")),
    ]);
    expect(log.indexOf("a1 end")).toBeLessThan(log.indexOf("a2 start"));
    expect(log.indexOf("b1 start")).toBeLessThan(log.indexOf("a1 end"));
  });

  it("goes on with the next task of a key after one fails, and forgets keys with nothing queued", async () => {
    const serial = new KeyedSerializer();
    const failed = serial.run("a", () => Promise.reject(new Error("boom")));
    let ran = false;
    const next = serial.run("a", () => {
      ran = true;
      return Promise.resolve();
    });
    await expect(failed).rejects.toThrow("boom");
    await next;
    expect(ran).toBe(true);
    await serial.idle();
    expect(serial.size).toBe(0);
  });

  it("says when a task has to wait behind another of its key (and only then)", async () => {
    let told = 0;
    const step = async (): Promise<void> => void (await tick());
    const serial = new KeyedSerializer(() => told++);
    const first = serial.run("a", step);
    expect(told).toBe(0);
    const other = serial.run("b", step);
    expect(told).toBe(0);
    const behind = serial.run("a", step);
    expect(told).toBe(1);
    await Promise.all([first, other, behind]);
    await serial.idle();
    await serial.run("a", step); // nothing queued before it any more
    expect(told).toBe(1);
  });

  it("idle waits for tasks queued while it waits", async () => {
    const serial = new KeyedSerializer();
    const done: string[] = [];
    void serial.run("a", async () => {
      await tick();
      done.push("first");
      void serial.run("b", async () => {
        await tick();
        done.push("second");
      });
    });
    await serial.idle();
    expect(done).toEqual(["first", "second"]);
  });
});
