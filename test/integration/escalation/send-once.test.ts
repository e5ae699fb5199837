import { describe, expect, it } from "vitest";
import { answerJson, postWhatsappStatus, whatsappStandIn } from "../../helpers/channel-stand-ins.js";
import { escalatingGateway } from "../../helpers/escalating-gateway.js";
import { waitUntil } from "../../helpers/wait.js";

/**
 * A channel's code goes out at most once per attempt: a second WhatsApp message or a second call is worse than the
 * next channel. A send that may have been taken (no answer) is never sent again; its status is awaited instead.
 * The real daemon and carrier simulator; a WhatsApp stand-in whose answers the test writes.
 */

interface MessageView {
  state: string;
  attempts: { channel: string; outcome: string | null; part_statuses: string[] }[];
}

describe("one send per channel attempt", () => {
  it("waits for the status of a WhatsApp send that got no answer instead of sending the code again", async () => {
    let httpPort = 0;
    // The provider takes the send but never answers the request; its status comes 3 s later.
    const wa = await whatsappStandIn(() => {
      setTimeout(() => void postWhatsappStatus(httpPort, "wamid.LATE", "delivered", "628111000111"), 3_000);
      return Promise.resolve();
    });
    const gw = await escalatingGateway({
      carrierOutcome: "UNDELIV",
      whatsapp: "deliver",
      voice: "deliver",
      whatsappApi: (port) => ((httpPort = port), Promise.resolve(wa.url)),
      whatsappSettings: ["    status_timeout_seconds: 12", "    request_timeout_ms: 1500"],
    });
    const id = await gw.send("+628111000111");
    const message = await gw.final(id, 30_000);
    expect(message.state).toBe("delivered");
    expect(message.attempts.map((a) => [a.channel, a.outcome])).toEqual([
      ["sms", "failed"],
      ["whatsapp", "delivered"],
    ]);
    // One request only: the unanswered one was not sent again (it had been: 1 s after its timeout).
    expect(wa.sends).toHaveLength(1);
    expect(gw.voice.received).toHaveLength(0);
  });

  it("does not send the WhatsApp code again after a crash between the provider's acceptance and its record", async () => {
    let httpPort = 0;
    const running: { kill?: () => Promise<unknown> } = {};
    const wa = await whatsappStandIn(async (n, res) => {
      // The provider takes the first send (the person gets the code), but otpgw dies before it reads the answer.
      if (n === 1) await running.kill!();
      answerJson(res, 200, { messages: [{ id: `wamid.N${n}` }] });
    });
    const gw = await escalatingGateway({
      carrierOutcome: "UNDELIV",
      whatsapp: "deliver",
      voice: "deliver",
      whatsappApi: (port) => ((httpPort = port), Promise.resolve(wa.url)),
      // Long enough that the dead process's send job is taken over while the attempt is open.
      whatsappSettings: ["    status_timeout_seconds: 90"],
    });
    running.kill = () => gw.daemon.kill();
    const id = await gw.send("+628111000112");
    await waitUntil(() => wa.sends.length >= 1, 20_000, "the first send");
    await waitUntil(() => wa.sends[0]!.closedAt !== undefined, 10_000, "the daemon killed during the send");
    await gw.daemon.start();
    const view = async () => (await gw.daemon.api(`/v1/messages/${id}`)).body as unknown as MessageView;
    // BullMQ hands the dead process's job to the restarted worker; it must find the send started, and not send it.
    let whatsapp: MessageView["attempts"][number] | undefined;
    await waitUntil(
      async () => {
        whatsapp = (await view()).attempts.find((a) => a.channel === "whatsapp");
        return whatsapp !== undefined && whatsapp.part_statuses[0] !== "pending";
      },
      90_000,
      "the send's job taken over after the restart",
    );
    expect(wa.sends).toHaveLength(1);
    // Its outcome is unknown: the attempt waits for the status of the send that went out before the crash.
    expect(whatsapp).toMatchObject({ part_statuses: ["unknown"], outcome: null });
    expect(await postWhatsappStatus(httpPort, "wamid.N1", "delivered", "628111000112")).toBe(200);
    const message = await gw.final(id, 20_000);
    expect(message.state).toBe("delivered");
    expect(message.attempts.map((a) => [a.channel, a.outcome])).toEqual([
      ["sms", "failed"],
      ["whatsapp", "delivered"],
    ]);
    expect(wa.sends).toHaveLength(1);
    expect(gw.voice.received).toHaveLength(0);
  }, 150_000);
});
