import { describe, expect, it } from "vitest";
import {
  answerJson,
  postVoiceStatus,
  postWhatsappStatus,
  providerStandIn,
  whatsappStandIn,
} from "../../helpers/channel-stand-ins.js";
import { escalatingGateway } from "../../helpers/escalating-gateway.js";
import { waitUntil } from "../../helpers/wait.js";

/**
 * Which statuses may end an escalation attempt: WhatsApp's webhook and a shared voice provider also report other
 * messages to the same handset, so a status otpgw cannot find by its id is applied by the handset only to an attempt
 * whose send went out, never one on another business number, nor a call whose reference is another message's.
 * The real daemon and carrier simulator; provider stand-ins whose every answer the test writes.
 */

const throttled = { error: { code: 130429 } };

describe("channel status matching", () => {
  it("ignores another message's WhatsApp status to the same handset while its own send waits out a 429, and goes on to voice", async () => {
    let httpPort = 0;
    // Every send throttled: the provider never takes this OTP.
    const wa = await whatsappStandIn((_n, res) => {
      answerJson(res, 429, throttled, { "retry-after": "8" });
      return Promise.resolve();
    });
    const gw = await escalatingGateway({
      carrierOutcome: "UNDELIV",
      whatsapp: "deliver",
      voice: "deliver",
      whatsappApi: (port) => ((httpPort = port), Promise.resolve(wa.url)),
      whatsappSettings: ["    status_timeout_seconds: 12"],
    });
    const id = await gw.send("+628111000104");
    await waitUntil(() => wa.sends.length >= 1, 20_000, "the first (throttled) send");
    await new Promise((r) => setTimeout(r, 500));
    // Another system sending from the same business number to the same person: its status reaches otpgw.
    expect(await postWhatsappStatus(httpPort, "wamid.SOMEONE-ELSES", "delivered", "628111000104")).toBe(200);
    const message = await gw.final(id, 30_000);
    expect(message.attempts.map((a) => [a.channel, a.outcome])).toEqual([
      ["sms", "failed"],
      // Throttled again after its Retry-After, with no time left for a third send: never sent.
      ["whatsapp", "not_sent"],
      ["voice", "delivered"],
    ]);
    expect(message.state).toBe("delivered");
    expect(gw.voice.received).toHaveLength(1);
  });

  it("ignores a WhatsApp status for another business number, even while its own send is on its way", async () => {
    let httpPort = 0;
    const wa = await whatsappStandIn(async (_n, res) => {
      // While the send is unanswered, another business number's message to the same person reports delivered.
      const other = await postWhatsappStatus(httpPort, "wamid.OTHER", "delivered", "628111000106", "999");
      answerJson(res, 200, { messages: [{ id: `wamid.OURS-${other}` }] });
    });
    const gw = await escalatingGateway({
      carrierOutcome: "UNDELIV",
      whatsapp: "deliver",
      voice: "deliver",
      whatsappApi: (port) => ((httpPort = port), Promise.resolve(wa.url)),
      whatsappSettings: ["    status_timeout_seconds: 8", "    request_timeout_ms: 3000"],
    });
    const id = await gw.send("+628111000106");
    const message = await gw.final(id, 30_000);
    // Our WhatsApp message never reported: its attempt timed out, and voice delivered the code.
    expect(message.attempts.map((a) => [a.channel, a.outcome])).toEqual([
      ["sms", "failed"],
      ["whatsapp", "timeout"],
      ["voice", "delivered"],
    ]);
    expect(wa.sends).toHaveLength(1);
  });

  it("refuses a voice status whose reference is another message's, and matches one by its reference alone", async () => {
    let httpPort = 0;
    const posted: number[] = [];
    const voice = await providerStandIn(async (_n, res, send) => {
      const to = String(send.body.to);
      // Another system's call to the same person, reported while our call request is unanswered.
      posted.push(
        await postVoiceStatus(httpPort, { call_id: "call.OTHER", status: "completed", reference: "x1", to }),
      );
      // Then our own call's status, before its answer: it names our message, not the number.
      const reference = String(send.body.reference);
      posted.push(await postVoiceStatus(httpPort, { call_id: "call.OURS", status: "ringing", reference }));
      answerJson(res, 201, { call_id: "call.OURS" });
    });
    const gw = await escalatingGateway({
      carrierOutcome: "UNDELIV",
      whatsapp: "fail",
      voice: "deliver",
      voiceApi: (port) => ((httpPort = port), Promise.resolve(`${voice.origin}/v1/calls`)),
    });
    const id = await gw.send("+628111000107");
    await waitUntil(() => posted.length === 2, 20_000, "the two voice statuses");
    expect(posted).toEqual([200, 200]);
    const during = (await gw.daemon.api(`/v1/messages/${id}`)).body as {
      state: string;
      attempts: { channel: string; outcome?: string; receipt_stat?: string }[];
    };
    // Not delivered by the other call; our own call's ENROUTE found its attempt by the reference.
    expect(during.state).toBe("attempting");
    expect(during.attempts.at(-1)).toMatchObject({ channel: "voice" });
    expect(during.attempts.at(-1)?.outcome ?? null).toBeNull();
    expect(during.attempts.at(-1)?.receipt_stat).toBe("ENROUTE");
    expect(
      await postVoiceStatus(httpPort, { call_id: "call.OURS", status: "completed", reference: id }),
    ).toBe(200);
    const message = await gw.final(id, 20_000);
    expect(message.state).toBe("delivered");
    expect(message.attempts.map((a) => [a.channel, a.outcome])).toEqual([
      ["sms", "failed"],
      ["whatsapp", "failed"],
      ["voice", "delivered"],
    ]);
  });
});
