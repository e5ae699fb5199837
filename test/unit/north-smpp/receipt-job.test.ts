import { describe, expect, it } from "vitest";
import {
  decodeJob,
  encodeJob,
  receiptJobs,
  stampJob,
  type ReceiptJob,
} from "../../../src/north/smpp/receipt-job.js";
import { testMessage } from "../../helpers/message.js";

const job: ReceiptJob = {
  id: "m1",
  stat: "DELIVRD",
  err: "000",
  submitDate: 1_795_000_000_000,
  doneDate: 1_795_000_001_000,
  handset: "6281234567890",
  sender: "AcmeOTP",
  queuedAt: 1_795_000_001_000,
};

describe("receipt jobs as stored", () => {
  it("round-trips a job through its array form, about half the size of the object form", () => {
    const item = encodeJob(job);
    expect(item.startsWith("[")).toBe(true);
    expect(decodeJob(item)).toEqual(job);
    expect(item.length).toBeLessThan(JSON.stringify(job).length * 0.65);
    // The item is the job's identity in the list: the same job, the same string.
    expect(encodeJob({ ...job })).toBe(item);
  });

  it("reads the object form queued by earlier versions", () => {
    expect(decodeJob(JSON.stringify(job))).toEqual(job);
  });

  it("reads a job stamped with its sending instance and deadline, in either form, and refuses a bad stamp", () => {
    const stamped = stampJob(encodeJob(job), "0a1b2c3d4e5f6a7b", 1_795_000_063_000);
    expect(stamped).toBe(`0a1b2c3d4e5f6a7b:1795000063000|${encodeJob(job)}`);
    expect(decodeJob(stamped)).toEqual(job);
    expect(decodeJob(stampJob(JSON.stringify(job), "ff", 1))).toEqual(job);
    // A sender with '|' in it does not confuse an unstamped item.
    const piped = { ...job, sender: "A|B:1" };
    expect(decodeJob(encodeJob(piped))).toEqual(piped);
    expect(decodeJob(stampJob(encodeJob(piped), "ff", 1))).toEqual(piped);
    // Not a stamp (owner not hex, deadline not a number): unreadable, never sent.
    expect(() => decodeJob(`owner:1|${encodeJob(job)}`)).toThrow();
    expect(() => decodeJob(`ff:soon|${encodeJob(job)}`)).toThrow();
  });

  it("refuses items that are not jobs", () => {
    expect(() => decodeJob("{not json")).toThrow();
    // A corrupt job's error (logged) names no part of it: the handset's number is in it.
    expect(() => decodeJob('["m1","DELIVRD","000",1,2,"6281100000012",')).toThrow(
      /^receipt job is not JSON$/,
    );
    expect(() => decodeJob(JSON.stringify(["m1", "DELIVRD"]))).toThrow(/not a receipt job/);
    expect(() => decodeJob(JSON.stringify({ ...job, queuedAt: "yesterday" }))).toThrow(/not a receipt job/);
    expect(() => decodeJob("null")).toThrow(/not a receipt job/);
    // A stat no final message has: no message_state to send it with.
    expect(() => decodeJob(encodeJob({ ...job, stat: "WHATEVR" as ReceiptJob["stat"] }))).toThrow(
      /not a receipt job/,
    );
  });

  it("encodes every job of a final message", () => {
    const message = testMessage("m1", { state: "delivered", finalAt: 5, createdAt: 1 });
    const jobs = receiptJobs(message, { id: "set9", total: 2 }, 5);
    expect(jobs.map((j) => decodeJob(encodeJob(j)).id)).toEqual(["set9-1", "set9-2"]);
  });
});
