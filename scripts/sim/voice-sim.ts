/**
 * A simulator of otpgw's voice provider interface (docs/channels.md): takes calls at `POST /v1/calls` with the API
 * key, answers `201 {call_id}`, then POSTs the call's statuses (`ringing`, then `completed` or a failure) signed
 * with the callback secret to the request's `callback_url`. For tests and the demo, in-process.
 */
import { randomUUID } from "node:crypto";
import { voiceSignatureHeader } from "../../src/escalation/providers/voice-api.js";
import {
  startChannelSim,
  type ChannelSim,
  type ChannelSimCommonOptions,
  type ChannelSimSend,
} from "./channel-sim-http.js";

export interface VoiceSimOptions extends ChannelSimCommonOptions {
  /** The bearer token calls must carry. */
  apiKey: string;
  /** Signs the status callbacks (`X-Signature`). */
  callbackSecret: string;
  /** Where statuses go instead of each request's `callback_url`. */
  callbackUrl?: string;
  /** The final status of a failed call; default "no-answer". */
  failStatus?: "busy" | "no-answer" | "failed" | "canceled";
}

/** A call request as received. */
export interface VoiceSimSend extends ChannelSimSend {
  /** E.164 with "+". */
  to: string;
  /** The digits read out. */
  code: string;
  language: string;
  repeat: number;
  callbackUrl: string;
  reference?: string;
}

export interface VoiceSim extends ChannelSim<VoiceSimSend> {
  /** The `api_url` to configure: `http://127.0.0.1:<port>/v1/calls`. */
  url: string;
}

const callsPath = "/v1/calls";

export async function startVoiceSim(options: VoiceSimOptions): Promise<VoiceSim> {
  const callStatus = (send: VoiceSimSend, callId: string, status: string) => ({
    call_id: callId,
    to: send.to,
    status,
    ...(send.reference === undefined ? {} : { reference: send.reference }),
  });
  const sim = await startChannelSim<VoiceSimSend>(
    {
      sendPath: callsPath,
      token: options.apiKey,
      signature: { header: voiceSignatureHeader, secret: options.callbackSecret },
      readSend: readCall,
      answers: {
        unauthorized: { status: 401, body: { error: "unauthorized" } },
        invalid: { status: 400, body: { error: "invalid request" } },
        refused: { status: 422, body: { error: "number not reachable by voice" } },
        unavailable: { status: 503, body: { error: "temporarily unavailable" } },
        accepted: (callId) => ({ status: 201, body: { call_id: callId } }),
      },
      newId: randomUUID,
      callbackUrl: (send) => options.callbackUrl ?? send.callbackUrl,
      callbacks: {
        first: (send, callId) => callStatus(send, callId, "ringing"),
        final: (send, callId, outcome) =>
          callStatus(send, callId, outcome === "deliver" ? "completed" : (options.failStatus ?? "no-answer")),
      },
    },
    options,
  );
  return { ...sim, url: `${sim.origin}${callsPath}` };
}

/** The call in a request body, when it has every field of the interface. */
function readCall(body: unknown): VoiceSimSend | undefined {
  const call = body as {
    to?: unknown;
    digits?: unknown;
    language?: unknown;
    repeat?: unknown;
    callback_url?: unknown;
    reference?: unknown;
  } | null;
  if (
    typeof call?.to !== "string" ||
    !/^\+\d{6,15}$/.test(call.to) ||
    typeof call.digits !== "string" ||
    !/^[0-9A-Za-z]{1,16}$/.test(call.digits) ||
    typeof call.language !== "string" ||
    typeof call.repeat !== "number" ||
    typeof call.callback_url !== "string"
  )
    return undefined;
  const reference = typeof call.reference === "string" ? { reference: call.reference } : {};
  return {
    to: call.to,
    code: call.digits,
    language: call.language,
    repeat: call.repeat,
    callbackUrl: call.callback_url,
    ...reference,
  };
}
