import type { FastifyInstance } from "fastify";

/** How often a closing API looks for keep-alive connections that have just gone idle. */
const IDLE_SWEEP_MS = 50;

/**
 * Closes the HTTP API within `deadlineMs`: stops accepting, lets the requests in progress be answered, and closes
 * each keep-alive connection as soon as it is idle. Fastify closes only the connections idle when closing begins;
 * one busy then stays open, idle, until its client lets go or the keep-alive timeout (72 s) passes — which held a
 * SIGTERM far past the shutdown timeout. Whatever is still open at the deadline is cut.
 */
export async function closeHttpApi(app: FastifyInstance, deadlineMs: number): Promise<void> {
  const sweep = setInterval(() => app.server.closeIdleConnections(), IDLE_SWEEP_MS);
  const deadline = setTimeout(() => app.server.closeAllConnections(), deadlineMs);
  try {
    await app.close();
  } finally {
    clearInterval(sweep);
    clearTimeout(deadline);
  }
}
