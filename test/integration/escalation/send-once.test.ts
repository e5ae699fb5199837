import { describe, expect, it } from "vitest";
import { postWhatsappStatus, whatsappStandIn } from "../../helpers/channel-stand-ins.js";
import { escalatingGateway } from "../../helpers/escalating-gateway.js";

/**
 * A channel's code goes out at most once per attempt: a second WhatsApp message or a second call is worse than the
 * next channel. A send that may have been taken (no answer) is never sent again; its status is awaited instead.
 * The real daemon and carrier simulator; a WhatsApp stand-in whose answers the test writes.
 */

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
});
