import { createServer, type Server } from "node:http";
import { once } from "node:events";
import type { Logger } from "./logger.js";
import type { Metrics } from "./metrics.js";

/**
 * Serves `/metrics` (Prometheus text) and `/healthz` on the metrics port. Kept apart from the public API
 * so scraping never competes with submits and the port can stay internal.
 */
export async function startMetricsServer(options: {
  host: string;
  port: number;
  metrics: Metrics;
  logger: Logger;
  /** Extra health detail (carrier binds). */
  health: () => { ok: boolean; detail: unknown };
}): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.url === "/metrics") {
      options.metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { "content-type": options.metrics.registry.contentType });
          res.end(text);
        },
        (error: unknown) => {
          options.logger.error({ err: error }, "metrics collection failed");
          res.writeHead(500).end();
        },
      );
      return;
    }
    if (req.url === "/healthz") {
      const health = options.health();
      res.writeHead(health.ok ? 200 : 503, { "content-type": "application/json" });
      res.end(JSON.stringify(health));
      return;
    }
    res.writeHead(404).end();
  });
  server.listen(options.port, options.host);
  await Promise.race([
    once(server, "listening"),
    once(server, "error").then(([error]) => {
      throw new Error(
        `cannot listen on ${options.host}:${options.port} for metrics: ${(error as Error).message}`,
      );
    }),
  ]);
  const address = server.address();
  const port = address && typeof address === "object" ? address.port : options.port;
  let closed: Promise<void> | undefined;
  return {
    server,
    port,
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
