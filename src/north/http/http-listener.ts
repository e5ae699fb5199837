/** The HTTP API's listener: its connection cap, and a close bounded by the shutdown timeout. */
import type { FastifyInstance } from "fastify";
import type { Logger } from "../../observability/logger.js";
import { LogThrottle } from "../../observability/log-throttle.js";
import type { Metrics } from "../../observability/metrics.js";

/** How often a closing API looks for keep-alive connections that have just gone idle. */
const IDLE_SWEEP_MS = 50;

/**
 * Caps the connections open at once: Node closes one beyond `max` as it is accepted (its `drop` event), counted
 * and logged at most once a minute.
 */
export function capConnections(
  app: FastifyInstance,
  max: number,
  deps: { metrics: Pick<Metrics, "httpConnectionsRefused">; logger: Logger },
): void {
  app.server.maxConnections = max;
  const throttle = new LogThrottle(60_000);
  app.server.on("drop", () => {
    deps.metrics.httpConnectionsRefused.inc();
    if (throttle.allow()) {
      deps.logger.warn(
        { maxConnections: max },
        "HTTP connection refused: http.max_connections open (logged once a minute)",
      );
    }
  });
}

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
