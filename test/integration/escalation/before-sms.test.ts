import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { CODE, escalatingGateway, secrets } from "../../helpers/escalating-gateway.js";
import { runOtpgw } from "../../helpers/otpgw-cli.js";
import { waitUntil } from "../../helpers/wait.js";

/**
 * A route whose people read WhatsApp before SMS (routes.yaml `before_sms: [whatsapp]`), through the real daemon:
 * WhatsApp first, then the route's carriers, then the channels after SMS not tried yet — one attempt at a time.
 */
describe("channels before SMS", () => {
  it("sends the code by WhatsApp first, and no SMS once WhatsApp delivered it", async () => {
    const gw = await escalatingGateway({
      carrierOutcome: "DELIVRD",
      whatsapp: "deliver",
      voice: "deliver",
      beforeSms: ["whatsapp"],
    });
    const message = await gw.final(await gw.send("+628111000201"));
    expect(message.state).toBe("delivered");
    expect(message.attempts.map((a) => [a.channel, a.carrier, a.outcome])).toEqual([
      ["whatsapp", "whatsapp", "delivered"],
    ]);
    expect(gw.whatsapp.received.map((s) => [s.to, s.code])).toEqual([["628111000201", CODE]]);
    expect(gw.sim.received()).toEqual([]);

    const explain = await runOtpgw(
      ["routes", "explain", "+628111000201", "--offline", "--config", join(gw.daemon.dir, "otpgw.yaml")],
      { env: { PATH: process.env.PATH, ...secrets } },
    );
    expect(explain.stdout, explain.stderr).toContain(
      "Before SMS: whatsapp, each once while the code is valid (routes.yaml before_sms:); the carriers below only if it fails.",
    );
    expect(explain.stdout).toContain(
      "When SMS is spent (every carrier tried, or every one left down): whatsapp, then voice",
    );
  });

  it("goes to SMS when WhatsApp fails, and after SMS to voice, never to WhatsApp twice", async () => {
    const gw = await escalatingGateway({
      carrierOutcome: "DELIVRD",
      whatsapp: "fail",
      voice: "deliver",
      beforeSms: ["whatsapp"],
    });
    const bySms = await gw.final(await gw.send("+628111000202"));
    expect(bySms.attempts.map((a) => [a.channel, a.outcome])).toEqual([
      ["whatsapp", "failed"],
      ["sms", "delivered"],
    ]);

    const failing = await escalatingGateway({
      carrierOutcome: "UNDELIV",
      whatsapp: "fail",
      voice: "deliver",
      beforeSms: ["whatsapp"],
    });
    const byVoice = await failing.final(await failing.send("+628111000203"));
    expect(byVoice.state).toBe("delivered");
    expect(byVoice.attempts.map((a) => [a.channel, a.outcome])).toEqual([
      ["whatsapp", "failed"],
      ["sms", "failed"],
      ["voice", "delivered"],
    ]);
    expect(failing.whatsapp.received).toHaveLength(1);
  });

  it("sends a text without a code by SMS at once, saying why once a minute", async () => {
    const gw = await escalatingGateway({
      carrierOutcome: "DELIVRD",
      whatsapp: "deliver",
      voice: "deliver",
      beforeSms: ["whatsapp"],
    });
    const message = await gw.final(await gw.send("+628111000204", 300, "Tap the link we sent to sign in."));
    expect(message.attempts.map((a) => [a.channel, a.outcome])).toEqual([["sms", "delivered"]]);
    expect(gw.whatsapp.received).toHaveLength(0);
    expect(gw.daemon.logLines.join("\n")).toContain(
      "no WhatsApp or voice for this message: the account's otp_code_pattern finds no code in the text",
    );
  });

  it("skips a channel drained for the message's country, and goes to SMS at once", async () => {
    const gw = await escalatingGateway({
      carrierOutcome: "DELIVRD",
      whatsapp: "deliver",
      voice: "deliver",
      beforeSms: ["whatsapp"],
    });
    const drain = await runOtpgw(
      ["carriers", "drain", "whatsapp", "--country", "ID", "--config", join(gw.daemon.dir, "otpgw.yaml")],
      { env: { PATH: process.env.PATH, USER: "noc-1", ...secrets } },
    );
    expect(drain.code, drain.stderr).toBe(0);
    await waitUntil(
      async () =>
        (await (await fetch(`http://127.0.0.1:${gw.metricsPort}/metrics`)).text()).includes(
          'otpgw_carrier_drained{carrier="whatsapp@ID"} 1',
        ),
      5000,
      "the daemon to see the drain",
    );
    const message = await gw.final(await gw.send("+628111000205"));
    expect(message.attempts.map((a) => [a.channel, a.outcome])).toEqual([["sms", "delivered"]]);
    expect(gw.whatsapp.received).toHaveLength(0);
  });
});
