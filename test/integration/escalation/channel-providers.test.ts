import { createServer } from "node:http";
import { describe, expect, it, onTestFinished } from "vitest";
import {
  createChannelProviders,
  toChannelsConfig,
  channelsFileSchema,
} from "../../../src/escalation/channel-config.js";
import type { ChannelId, ChannelStatus, StatusCallbacks } from "../../../src/escalation/channel-types.js";
import type { ChannelSimOutcomeOptions } from "../../../scripts/sim/channel-sim-http.js";
import { startVoiceSim } from "../../../scripts/sim/voice-sim.js";
import { startWhatsappSim } from "../../../scripts/sim/whatsapp-sim.js";
import { listenForTest } from "../../helpers/http-test-server.js";
import { waitUntil } from "../../helpers/wait.js";

const secrets = {
  accessToken: "EAAJB-integration-token",
  appSecret: "whatsapp-app-secret-0123456789",
  apiKey: "voice-integration-key",
  callbackSecret: "voice-callback-secret-0123456789",
};

/**
 * otpgw's side of the status callbacks as the routes will do it: verify the raw body, then parse it. A request
 * that fails verification is answered 401 and counted.
 */
async function statusReceiver(): Promise<{
  url: (channel: ChannelId) => string;
  statuses: Map<ChannelId, ChannelStatus[]>;
  unverified: number;
  use: (callbacks: Map<ChannelId, StatusCallbacks>) => void;
}> {
  const statuses = new Map<ChannelId, ChannelStatus[]>([
    ["whatsapp", []],
    ["voice", []],
  ]);
  let readers = new Map<ChannelId, StatusCallbacks>();
  const receiver = {
    url: (_: ChannelId) => "",
    statuses,
    unverified: 0,
    use: (c: typeof readers) => void (readers = c),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const channel = /^\/v1\/channels\/(whatsapp|voice)\/status$/.exec(req.url ?? "")?.[1] as
        ChannelId | undefined;
      const reader = channel === undefined ? undefined : readers.get(channel);
      const raw = Buffer.concat(chunks);
      if (channel === undefined || reader === undefined || !reader.verify(raw, req.headers)) {
        receiver.unverified++;
        res.writeHead(401).end();
        return;
      }
      statuses.get(channel)?.push(...reader.parse(JSON.parse(raw.toString("utf8"))));
      res.writeHead(200).end();
    });
  });
  const { port } = await listenForTest(server);
  receiver.url = (channel) => `http://127.0.0.1:${port}/v1/channels/${channel}/status`;
  return receiver;
}

/** Both simulators, and otpgw's providers built from a `channels:` block pointing at them. */
async function channels(outcomes: ChannelSimOutcomeOptions, simSecrets = secrets) {
  const receiver = await statusReceiver();
  const whatsappSim = await startWhatsappSim({
    accessToken: simSecrets.accessToken,
    appSecret: simSecrets.appSecret,
    callbackUrl: receiver.url("whatsapp"),
    statusDelayMs: 10,
    ...outcomes,
  });
  const voiceSim = await startVoiceSim({
    apiKey: simSecrets.apiKey,
    callbackSecret: simSecrets.callbackSecret,
    statusDelayMs: 10,
    ...outcomes,
  });
  onTestFinished(() => Promise.all([whatsappSim.close(), voiceSim.close()]).then(() => undefined));
  const config = toChannelsConfig(
    channelsFileSchema.parse({
      whatsapp: {
        api_url: whatsappSim.url,
        phone_number_id: whatsappSim.phoneNumberId,
        access_token: secrets.accessToken,
        app_secret: secrets.appSecret,
        template: "otp_code",
      },
      voice: {
        api_url: voiceSim.url,
        api_key: secrets.apiKey,
        callback_secret: secrets.callbackSecret,
        callback_url: receiver.url("voice"),
      },
    }),
  );
  const { providers, callbacks } = createChannelProviders(config);
  receiver.use(callbacks);
  const whatsapp = providers.get("whatsapp")!;
  const voice = providers.get("voice")!;
  return { receiver, whatsappSim, voiceSim, whatsapp, voice };
}

const request = { messageId: "665af1c09b3e4f2a7c1d8e55", to: "+6281234567890", code: "482913" };

describe("channel providers against their simulators", () => {
  it("delivers a code by WhatsApp: accepted, then sent (ENROUTE) and delivered (DELIVRD) through a verified webhook", async () => {
    const { receiver, whatsappSim, whatsapp } = await channels({ deliverShare: 1 });
    const result = await whatsapp.send(request);
    expect(result.kind).toBe("accepted");
    const id = result.kind === "accepted" ? result.providerMessageId : "";
    expect(id).toMatch(/^wamid\./);
    expect(whatsappSim.received).toMatchObject([
      { to: "6281234567890", code: "482913", buttonCode: "482913" },
    ]);
    await waitUntil(() => receiver.statuses.get("whatsapp")!.length === 2, 5_000, "two WhatsApp statuses");
    expect(receiver.statuses.get("whatsapp")).toEqual([
      { providerMessageId: id, stat: "ENROUTE", delivered: false, final: false, recipient: "6281234567890" },
      { providerMessageId: id, stat: "DELIVRD", delivered: true, final: true, recipient: "6281234567890" },
    ]);
    expect(receiver.unverified).toBe(0);
  });

  it("delivers a code by voice: the call's id, then ringing and completed to the configured callback URL", async () => {
    const { receiver, voiceSim, voice } = await channels({ deliverShare: 1 });
    const result = await voice.send(request);
    const id = result.kind === "accepted" ? result.providerMessageId : "none";
    expect(voiceSim.received).toMatchObject([
      { providerId: id, code: "482913", reference: request.messageId },
    ]);
    await waitUntil(() => receiver.statuses.get("voice")!.length === 2, 5_000, "two voice statuses");
    expect(receiver.statuses.get("voice")!.map((s) => [s.providerMessageId, s.stat])).toEqual([
      [id, "ENROUTE"],
      [id, "DELIVRD"],
    ]);
  });

  it("reports failures as final UNDELIV statuses with the provider's reason", async () => {
    const { receiver, whatsapp, voice } = await channels({ failShare: 1 });
    expect((await whatsapp.send(request)).kind).toBe("accepted");
    expect((await voice.send(request)).kind).toBe("accepted");
    const final = (channel: ChannelId) => receiver.statuses.get(channel)!.find((s) => s.final);
    await waitUntil(
      () => final("whatsapp") !== undefined && final("voice") !== undefined,
      5_000,
      "final statuses",
    );
    expect(final("whatsapp")).toMatchObject({ stat: "UNDELIV", delivered: false, err: "131026" });
    expect(final("voice")).toMatchObject({ stat: "UNDELIV", delivered: false, err: "no-answer" });
  });

  it("never reports a final status for a silent send", async () => {
    const { receiver, whatsappSim, voiceSim, whatsapp, voice } = await channels({ silentShare: 1 });
    await whatsapp.send(request);
    await voice.send(request);
    await waitUntil(() => whatsappSim.counters.callbacksSent + voiceSim.counters.callbacksSent === 2, 5_000);
    // Four times the status delay: a final status would have come by now.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const all = [...receiver.statuses.get("whatsapp")!, ...receiver.statuses.get("voice")!];
    expect(all.map((s) => s.stat)).toEqual(["ENROUTE", "ENROUTE"]);
  });

  it("is refused or told to retry when the provider refuses or is unavailable at send", async () => {
    const refusing = await channels({ refuseShare: 1 });
    expect(await refusing.whatsapp.send(request)).toEqual({ kind: "refused", error: "whatsapp 131026" });
    expect(await refusing.voice.send(request)).toEqual({ kind: "refused", error: "voice http 422" });
    const failing = await channels({ errorShare: 1 });
    expect(await failing.whatsapp.send(request)).toEqual({ kind: "retry", error: "whatsapp 131016" });
    expect(await failing.voice.send(request)).toEqual({ kind: "retry", error: "voice http 503" });
  });

  it("draws outcomes by share reproducibly from the seed", async () => {
    const draw = async (seed: number) => {
      const { whatsapp, whatsappSim } = await channels({
        deliverShare: 1,
        refuseShare: 1,
        errorShare: 1,
        seed,
      });
      for (let i = 0; i < 30; i++) await whatsapp.send(request);
      return whatsappSim.received.map((send) => send.outcome);
    };
    const first = await draw(7);
    expect(await draw(7)).toEqual(first);
    expect(new Set(first)).toEqual(new Set(["deliver", "refuse", "error"]));
  });

  it("drops webhooks signed with another secret: otpgw's receiver answers 401", async () => {
    const { receiver, whatsappSim, voiceSim, whatsapp, voice } = await channels(
      { deliverShare: 1 },
      { ...secrets, appSecret: "not-the-app-secret", callbackSecret: "not-the-callback-secret" },
    );
    await whatsapp.send(request);
    await voice.send(request);
    await waitUntil(
      () => whatsappSim.counters.callbacksFailed + voiceSim.counters.callbacksFailed === 4,
      5_000,
    );
    expect(receiver.unverified).toBe(4);
    expect([...receiver.statuses.values()].flat()).toEqual([]);
  });
});
