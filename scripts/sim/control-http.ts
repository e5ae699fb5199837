/**
 * The simulator's HTTP control endpoint, for tests and operators driving a simulator in another process:
 *
 * - `GET /counters`: the counters (JSON).
 * - `GET /status`: outage mode and current options.
 * - `GET /received?offset=0&limit=1000&text=1`: received messages, oldest first (text only with `text=1`).
 * - `POST /outage` `{ "mode": "none" | "refuse-binds" | "drop-connections" | "stop-answering" }`.
 * - `POST /options`: a partial options object (validated as a whole; 400 lists every problem).
 * - `POST /reset`: forgets messages and zeroes the counters.
 *
 * Listens on 127.0.0.1 by default and has no authentication: it is a test tool, never expose it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { ConfigError } from "../../src/errors.js";
import type { Logger } from "../../src/observability/logger.js";
import type { SimulatorCounters } from "./counters.js";
import type { OutageMode, ResolvedSimulatorOptions, SimulatorOptions } from "./options.js";
import { OUTAGE_MODES } from "./options.js";
import type { ReceivedMessage } from "./received-log.js";

/** Largest request body accepted (an options object is a few hundred bytes). */
const MAX_BODY_BYTES = 64 * 1024;
/** Default and largest page of `GET /received`. */
const DEFAULT_RECEIVED_LIMIT = 1000;
const MAX_RECEIVED_LIMIT = 100_000;

/** What the endpoint drives (a CarrierSimulator). */
export interface ControlTarget {
  readonly options: ResolvedSimulatorOptions;
  readonly outage: OutageMode;
  readonly port: number | undefined;
  counters(): SimulatorCounters;
  received(): ReceivedMessage[];
  setOutage(mode: OutageMode): void;
  setOptions(partial: SimulatorOptions): void;
  reset(): void;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly problems?: readonly string[],
  ) {
    super(message);
  }
}

export class ControlHttpServer {
  private server: Server | undefined;

  constructor(
    private readonly target: ControlTarget,
    private readonly logger: Logger,
  ) {}

  /** Resolves with the bound port. */
  async listen(port: number, host: string): Promise<number> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => this.fail(res, error));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    server.on("error", (error) => this.logger.error({ err: error.message }, "control endpoint error"));
    const address = server.address();
    return typeof address === "object" && address !== null ? address.port : port;
  }

  /** Closes the listener and any keep-alive connection. Idempotent. */
  close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://control");
    const route = `${req.method ?? "GET"} ${url.pathname}`;
    const t = this.target;
    switch (route) {
      case "GET /counters":
        return send(res, 200, t.counters());
      case "GET /status":
        return send(res, 200, { outage: t.outage, port: t.port, options: publicOptions(t.options) });
      case "GET /received":
        return send(res, 200, receivedPage(t.received(), url.searchParams));
      case "POST /outage": {
        const body = await readJson(req);
        const mode = (body as { mode?: unknown } | null)?.mode;
        if (typeof mode !== "string" || !(OUTAGE_MODES as readonly string[]).includes(mode)) {
          throw new HttpError(400, `mode must be one of ${OUTAGE_MODES.join(", ")}`);
        }
        t.setOutage(mode as OutageMode);
        return send(res, 200, { outage: t.outage });
      }
      case "POST /options": {
        const body = await readJson(req);
        if (typeof body !== "object" || body === null || Array.isArray(body)) {
          throw new HttpError(400, "body must be a JSON object of options");
        }
        try {
          t.setOptions(body);
        } catch (error) {
          if (error instanceof ConfigError) throw new HttpError(400, "invalid options", error.problems);
          throw new HttpError(400, error instanceof Error ? error.message : String(error));
        }
        return send(res, 200, { options: publicOptions(t.options) });
      }
      case "POST /reset":
        t.reset();
        return send(res, 200, { reset: true });
      default:
        throw new HttpError(404, `no route ${route}`);
    }
  }

  private fail(res: ServerResponse, error: unknown): void {
    if (error instanceof HttpError) {
      send(res, error.status, { error: error.message, problems: error.problems });
      return;
    }
    this.logger.warn(
      { err: error instanceof Error ? error.message : String(error) },
      "control request failed",
    );
    send(res, 500, { error: "internal error" });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const json = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(json) });
  res.end(json);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, "body is not valid JSON");
  }
}

/** Options without functions and with passwords masked (the status page may end up in a bug report). */
function publicOptions(o: ResolvedSimulatorOptions): Record<string, unknown> {
  const { rng: _rng, now: _now, credentials, ...rest } = o;
  return { ...rest, credentials: credentials.map((c) => ({ systemId: c.systemId, password: "***" })) };
}

function receivedPage(all: ReceivedMessage[], params: URLSearchParams): Record<string, unknown> {
  const offset = clampInt(params.get("offset"), 0, 0, Number.MAX_SAFE_INTEGER);
  const limit = clampInt(params.get("limit"), DEFAULT_RECEIVED_LIMIT, 0, MAX_RECEIVED_LIMIT);
  const withText = params.get("text") === "1";
  const page = all.slice(offset, offset + limit);
  return {
    total: all.length,
    offset,
    messages: withText ? page : page.map(({ text: _text, ...rest }) => rest),
  };
}

function clampInt(raw: string | null, fallback: number, min: number, max: number): number {
  if (raw === null || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new HttpError(400, `not an integer: ${raw}`);
  return Math.min(max, Math.max(min, n));
}
