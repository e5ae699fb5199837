/**
 * What the WhatsApp and voice simulators share: a node:http server on 127.0.0.1 playing a channel provider, the
 * pick of each send's outcome (a function, or shares drawn with a seeded generator), and the signed status
 * callbacks posted after a delay. Each simulator supplies only its provider's formats (`ChannelSimSpec`).
 * A test tool: no TLS, no limits beyond a bounded request body, never exposed.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { signBody } from "../../src/north/webhook/webhook-signature.js";
import { seededRng } from "./sampling.js";

/** What happens to one send: delivered, failed (a final failure status), no final status, refused, or a 503. */
export const channelSimOutcomes = ["deliver", "fail", "silent", "refuse", "error"] as const;
export type ChannelSimOutcome = (typeof channelSimOutcomes)[number];

/** The code and destination of a send as the provider received them. */
export interface ChannelSimSend {
  to: string;
  code: string;
}

/** How each send's outcome is chosen. Shares are relative weights; with none given every send is delivered. */
export interface ChannelSimOutcomeOptions {
  /** Decides each send's outcome; when given, the shares are not used. */
  outcome?: (send: ChannelSimSend) => ChannelSimOutcome;
  deliverShare?: number;
  /** Accepted, then a final failure status. */
  failShare?: number;
  /** Accepted, then the first status only: never a final one. */
  silentShare?: number;
  /** Refused at once with a 4xx. */
  refuseShare?: number;
  /** Answered 503 at once. */
  errorShare?: number;
  /** Seed of the generator drawing outcomes by share (default 1): the same seed, the same sequence. */
  seed?: number;
}

/** Options every channel simulator takes. */
export interface ChannelSimCommonOptions extends ChannelSimOutcomeOptions {
  /** Port on 127.0.0.1; default 0 (any free port). */
  port?: number;
  /** Delay before the first status callback and again before the final one; default 20 ms. */
  statusDelayMs?: number;
}

export interface ChannelSimCounters {
  /** Requests whose credentials were right and whose body was a send. */
  sends: number;
  accepted: number;
  refused: number;
  /** Sends answered 503. */
  errors: number;
  /** Requests without the right bearer token. */
  unauthorized: number;
  /** Requests that were not a send (wrong path or method, a body of the wrong shape). */
  badRequests: number;
  callbacksSent: number;
  /** Callbacks the receiver did not answer with a 2xx, or that could not be posted. */
  callbacksFailed: number;
}

export interface ChannelSimAnswer {
  status: number;
  body: unknown;
}

/** One provider's formats. */
export interface ChannelSimSpec<S extends ChannelSimSend> {
  /** The path sends are POSTed to, e.g. `/v21.0/106540352242922/messages`. */
  sendPath: string;
  /** The bearer token sends must carry. */
  token: string;
  /** Signs callbacks: the header it goes in and the secret. */
  signature: { header: string; secret: string };
  /** The send in a request body, or undefined when the body is not one. */
  readSend: (body: unknown) => S | undefined;
  answers: {
    unauthorized: ChannelSimAnswer;
    invalid: ChannelSimAnswer;
    refused: ChannelSimAnswer;
    unavailable: ChannelSimAnswer;
    accepted: (providerId: string, send: S) => ChannelSimAnswer;
  };
  /** A fresh provider id for an accepted send. */
  newId: () => string;
  /** Where this send's statuses are POSTed, or undefined for none. */
  callbackUrl: (send: S) => string | undefined;
  /** The callback bodies: the first (not final) status, and the final one. */
  callbacks: {
    first: (send: S, providerId: string) => unknown;
    final: (send: S, providerId: string, outcome: "deliver" | "fail") => unknown;
  };
}

/** A running simulator: what it received and counted. */
export interface ChannelSim<S extends ChannelSimSend> {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** Every send taken (credentials and shape right), oldest first, with its outcome and provider id. */
  received: (S & { outcome: ChannelSimOutcome; providerId?: string })[];
  counters: ChannelSimCounters;
  /** Stops listening, cancels pending callbacks. Idempotent. */
  close: () => Promise<void>;
}

/** The largest request body read: a send is a few hundred bytes. */
const maxRequestBytes = 64 * 1024;
/** How long a callback POST may take before it counts as failed. */
const callbackTimeoutMs = 5_000;
const defaultStatusDelayMs = 20;

/** Draws outcomes: the caller's function, or the shares with a seeded generator. */
export function channelOutcomePicker(
  options: ChannelSimOutcomeOptions,
): (send: ChannelSimSend) => ChannelSimOutcome {
  if (options.outcome !== undefined) return options.outcome;
  const weights: Record<ChannelSimOutcome, number> = {
    deliver: options.deliverShare ?? 0,
    fail: options.failShare ?? 0,
    silent: options.silentShare ?? 0,
    refuse: options.refuseShare ?? 0,
    error: options.errorShare ?? 0,
  };
  const total = channelSimOutcomes.reduce((sum, outcome) => sum + Math.max(0, weights[outcome]), 0);
  if (total <= 0) return () => "deliver";
  const rng = seededRng(options.seed ?? 1);
  return () => {
    let x = rng() * total;
    for (const outcome of channelSimOutcomes) {
      const weight = Math.max(0, weights[outcome]);
      if (x < weight) return outcome;
      x -= weight;
    }
    return "deliver";
  };
}

/** Starts a channel simulator for `spec`. */
export async function startChannelSim<S extends ChannelSimSend>(
  spec: ChannelSimSpec<S>,
  options: ChannelSimCommonOptions,
): Promise<ChannelSim<S>> {
  const pick = channelOutcomePicker(options);
  const delayMs = options.statusDelayMs ?? defaultStatusDelayMs;
  const counters: ChannelSimCounters = {
    sends: 0,
    accepted: 0,
    refused: 0,
    errors: 0,
    unauthorized: 0,
    badRequests: 0,
    callbacksSent: 0,
    callbacksFailed: 0,
  };
  const received: ChannelSim<S>["received"] = [];
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new AbortController();

  const postCallback = async (url: string, payload: unknown): Promise<void> => {
    const raw = JSON.stringify(payload);
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          [spec.signature.header]: signBody(raw, spec.signature.secret),
        },
        body: raw,
        signal: AbortSignal.any([inFlight.signal, AbortSignal.timeout(callbackTimeoutMs)]),
      });
      await response.arrayBuffer();
      if (response.ok) counters.callbacksSent++;
      else counters.callbacksFailed++;
    } catch {
      counters.callbacksFailed++;
    }
  };
  const later = (ms: number, url: string, payload: () => unknown): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      void postCallback(url, payload());
    }, ms);
    timers.add(timer);
  };

  const answer = (request: {
    path: string;
    method: string;
    bearer?: string;
    body: unknown;
  }): ChannelSimAnswer => {
    if (request.method !== "POST" || request.path !== spec.sendPath) {
      counters.badRequests++;
      return spec.answers.invalid;
    }
    if (request.bearer !== spec.token) {
      counters.unauthorized++;
      return spec.answers.unauthorized;
    }
    const send = spec.readSend(request.body);
    if (send === undefined) {
      counters.badRequests++;
      return spec.answers.invalid;
    }
    counters.sends++;
    const outcome = pick(send);
    if (outcome === "refuse" || outcome === "error") {
      received.push({ ...send, outcome });
      if (outcome === "refuse") counters.refused++;
      else counters.errors++;
      return outcome === "refuse" ? spec.answers.refused : spec.answers.unavailable;
    }
    const providerId = spec.newId();
    counters.accepted++;
    received.push({ ...send, outcome, providerId });
    const url = spec.callbackUrl(send);
    if (url !== undefined) {
      later(delayMs, url, () => spec.callbacks.first(send, providerId));
      if (outcome !== "silent")
        later(2 * delayMs, url, () => spec.callbacks.final(send, providerId, outcome));
    }
    return spec.answers.accepted(providerId, send);
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readJson(req);
    const authorization = req.headers.authorization;
    const bearer = authorization?.startsWith("Bearer ") ? authorization.slice("Bearer ".length) : undefined;
    const path = new URL(req.url ?? "/", "http://sim").pathname;
    const { status, body: answerBody } = answer({ path, method: req.method ?? "", bearer, body });
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(answerBody));
  };

  server.listen(options.port ?? 0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the simulator has no TCP address");

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      inFlight.abort();
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };
  return { origin: `http://127.0.0.1:${address.port}`, received, counters, close };
}

/** The request's body as JSON, or undefined when it is not JSON or longer than the simulator reads. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > maxRequestBytes) return undefined;
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
  } catch {
    return undefined;
  }
}
