import { Queue } from "bullmq";
import { describe, expect, it, onTestFinished } from "vitest";
import { startWhatsappSim } from "../../../scripts/sim/whatsapp-sim.js";
import type { DeliveryEngine } from "../../../src/delivery/delivery-engine.js";
import { startAttempt } from "../../../src/delivery/lifecycle.js";
import type { ChannelProvider } from "../../../src/escalation/channel-types.js";
import {
  EscalationQueue,
  escalationQueueName,
  type EscalationJobData,
} from "../../../src/escalation/escalation-queue.js";
import { EscalationService } from "../../../src/escalation/escalation-service.js";
import { otpCodePattern } from "../../../src/escalation/otp-code.js";
import { silentLogger } from "../../../src/observability/logger.js";
import { deliveryHarness } from "../../helpers/delivery-harness.js";
import { newOtp } from "../../helpers/message.js";
import { testRedis } from "../../helpers/redis.js";
import { waitUntil } from "../../helpers/wait.js";

/**
 * An escalation attempt is stored before its send's job is queued: a job that never got queued (its add failed,
 * the process died between the two, Redis's answer to the store was lost) is noticed at the attempt's first
 * check-point and queued again, instead of leaving the attempt idle until its deadline. The delivery engine and the
 * escalation queue and worker on real Redis, a carrier simulator and the WhatsApp simulator.
 */

const secrets = { accessToken: "wa-token-0123456789", appSecret: "wa-app-secret-0123456789" };

describe("an escalation send whose job was lost", () => {
  it("is queued again at the attempt's first check-point, long before its deadline", async () => {
    const redis = await testRedis();
    // Accepted without a status: the attempt stays open, so only its send is observed.
    const whatsapp = await startWhatsappSim({ ...secrets, outcome: () => "silent" });
    onTestFinished(() => whatsapp.close());
    const built: { engine?: DeliveryEngine } = {};
    const service = EscalationService.create({
      channels: {
        whatsapp: {
          apiUrl: whatsapp.url,
          phoneNumberId: whatsapp.phoneNumberId,
          ...secrets,
          template: "otp_code",
          language: "en_US",
          copyCodeButton: true,
          requestTimeoutMs: 2_000,
          statusTimeoutMs: 30_000,
        },
      },
      connection: { host: redis.client.options.host!, port: redis.client.options.port! },
      prefix: `${redis.prefix}bull`,
      delivery: () => built.engine!,
      codePattern: () => otpCodePattern(undefined),
      minRemainingMs: 500,
      downCountsFrom: 0,
      logger: silentLogger(),
    })!;
    service.start();
    onTestFinished(() => service.close(2_000));
    const lost: number[] = [];
    const harness = await deliveryHarness({
      redis,
      carriers: [
        {
          id: "a",
          sim: {
            submitRespLatencyMs: { min: 1, max: 2 },
            receiptLatencyMs: { min: 5, max: 10 },
            outcomeMix: { DELIVRD: 0, UNDELIV: 1, EXPIRED: 0, none: 0 },
          },
        },
      ],
      dlrTimeoutMs: 5_000,
      escalation: {
        channels: ["whatsapp"],
        deps: {
          downCountsFrom: 0,
          runs: (channel) => service.escalator.runs(channel),
          nextChannel: (...args) => service.escalator.nextChannel(...args),
          // The add of the attempt's job failed (Redis gone for a moment): the attempt is stored, nothing queued.
          send: (_id, attempt) => void lost.push(attempt),
          resume: (...args) => service.escalator.resume(...args),
        },
      },
    });
    built.engine = harness.engine;
    await waitUntil(() => harness.pools.get("a")!.boundCount === 1, 10_000, "the carrier bound");
    const { message } = await harness.engine.accept(harness.newMessage(1, { validitySeconds: 120 }));
    await waitUntil(() => lost.length === 1, 10_000, "the WhatsApp attempt stored, its job lost");
    const storedAt = Date.now();
    await waitUntil(() => whatsapp.received.length === 1, 15_000, "the WhatsApp send queued again");
    // At the check-point (5 s), not the attempt's 30 s deadline.
    expect(Date.now() - storedAt).toBeLessThan(10_000);
    expect(whatsapp.received[0]).toMatchObject({ to: "628110000001", code: "100001" });
    await waitUntil(
      async () => (await harness.engine.get(message.id))?.attempts[1]?.partStatus[0] === "accepted",
      5_000,
      "the send's acceptance recorded",
    );
    const stored = (await harness.engine.get(message.id))!;
    expect(stored.attempts.map((a) => [a.channel, a.outcome])).toEqual([
      ["sms", "failed"],
      ["whatsapp", undefined],
    ]);
    // Looked at again later (its deadline, a restart): the job exists, so nothing is sent twice.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(whatsapp.received).toHaveLength(1);
    expect(lost).toEqual([2]);
  });

  it("queues a send whose job failed for good again, and leaves a job that exists alone", async () => {
    const redis = await testRedis();
    const connection = { host: redis.client.options.host!, port: redis.client.options.port! };
    const prefix = `${redis.prefix}bull`;
    const now = Date.now();
    const message = startAttempt(newOtp(now), "whatsapp", 1, now, 30_000, "whatsapp");
    let storeUp = false;
    const sends: string[] = [];
    const provider: ChannelProvider = {
      channel: "whatsapp",
      send: (request) => {
        sends.push(request.messageId);
        return Promise.resolve({ kind: "accepted", providerMessageId: "wamid.1" });
      },
    };
    const queue = new EscalationQueue({
      connection,
      prefix,
      providers: new Map([["whatsapp", provider]]),
      delivery: {
        // The store unavailable for the job's only try: it fails for good.
        get: () => (storeUp ? Promise.resolve(message) : Promise.reject(new Error("store unavailable"))),
        getText: () => Promise.resolve("Your code is 123456"),
        channelResult: () => Promise.resolve(),
        channelSendStarted: () => Promise.resolve(true),
        channelSendNotTaken: () => Promise.resolve(),
      },
      codePattern: () => otpCodePattern(undefined),
      minRemainingMs: 0,
      logger: silentLogger(),
      maxTries: 1,
    });
    queue.start();
    onTestFinished(() => queue.close(2_000));
    const jobs = new Queue(escalationQueueName, { connection, prefix });
    onTestFinished(() => jobs.close());
    const data: EscalationJobData = { messageId: message.id, attempt: 1, channel: "whatsapp" };
    const state = () => jobs.getJobState(`${message.id}-1`);
    await queue.add(data);
    await waitUntil(async () => (await state()) === "failed", 10_000, "the job failed for good");
    storeUp = true;
    expect(await queue.resume(data)).toBe(true);
    await waitUntil(() => sends.length === 1, 10_000, "the send made by the job queued again");
    await waitUntil(async () => (await state()) === "completed", 10_000, "the job completed");
    expect(await queue.resume(data)).toBe(false);
    await new Promise((r) => setTimeout(r, 500));
    expect(sends).toHaveLength(1);
  });
});
