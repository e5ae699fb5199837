/**
 * The escalation providers of the demo: the WhatsApp Cloud API and voice simulators, in-process, each with fresh
 * credentials and posting its signed statuses to otpgw's HTTP port (fixed before otpgw starts, so it can be given
 * here). The credentials go into otpgw's environment, never into its files.
 */
import { randomBytes } from "node:crypto";
import { startVoiceSim, type VoiceSim } from "../sim/voice-sim.js";
import { startWhatsappSim, type WhatsappSim } from "../sim/whatsapp-sim.js";
import type { Cleanup } from "./cleanup.js";
import { CHANNEL_SECRET_VARIABLES, DEMO_CHANNELS } from "./scenario.js";

export interface DemoChannelSims {
  whatsapp: WhatsappSim;
  voice: VoiceSim;
  /** Variables for otpgw's environment: the credentials `channels:` refers to. */
  env: Record<string, string>;
  /** otpgw's `channels.voice.callback_url`. */
  voiceCallbackUrl: string;
}

/** Starts both simulators; each is closed by `cleanup`. */
export async function startDemoChannelSims(httpPort: number, cleanup: Cleanup): Promise<DemoChannelSims> {
  const secret = () => randomBytes(24).toString("hex");
  const credentials = {
    accessToken: secret(),
    appSecret: secret(),
    apiKey: secret(),
    callbackSecret: secret(),
  };
  const statusUrl = (channel: string) => `http://127.0.0.1:${httpPort}/v1/channels/${channel}/status`;
  const whatsapp = await startWhatsappSim({
    accessToken: credentials.accessToken,
    appSecret: credentials.appSecret,
    callbackUrl: statusUrl("whatsapp"),
    statusDelayMs: DEMO_CHANNELS.whatsapp.statusDelayMs,
    ...DEMO_CHANNELS.whatsapp.outcomes,
  });
  cleanup.add("WhatsApp simulator", () => whatsapp.close());
  // Statuses go to each call's callback_url: otpgw's channels.voice.callback_url.
  const voice = await startVoiceSim({
    apiKey: credentials.apiKey,
    callbackSecret: credentials.callbackSecret,
    statusDelayMs: DEMO_CHANNELS.voice.statusDelayMs,
    ...DEMO_CHANNELS.voice.outcomes,
  });
  cleanup.add("voice simulator", () => voice.close());
  return {
    whatsapp,
    voice,
    env: {
      [CHANNEL_SECRET_VARIABLES.whatsappAccessToken]: credentials.accessToken,
      [CHANNEL_SECRET_VARIABLES.whatsappAppSecret]: credentials.appSecret,
      [CHANNEL_SECRET_VARIABLES.voiceApiKey]: credentials.apiKey,
      [CHANNEL_SECRET_VARIABLES.voiceCallbackSecret]: credentials.callbackSecret,
    },
    voiceCallbackUrl: statusUrl("voice"),
  };
}
