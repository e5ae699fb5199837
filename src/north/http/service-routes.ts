/** Unauthenticated service endpoints: liveness, readiness and the OpenAPI document. */
import { readFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import type { Logger } from "../../observability/logger.js";
import { notFound } from "./http-api-error.js";

/** docs/openapi.yaml of this installation: src/north/http (or dist/north/http) is three levels below. */
export const defaultOpenapiPath = new URL("../../../docs/openapi.yaml", import.meta.url);

export function registerServiceRoutes(
  app: FastifyInstance,
  deps: { ready: () => boolean; logger: Logger; openapiPath?: string | URL },
): void {
  app.get("/healthz", async () => Promise.resolve({ status: "ok" }));

  app.get("/readyz", async (_request, reply) =>
    deps.ready() ? reply.send({ status: "ready" }) : reply.code(503).send({ status: "not_ready" }),
  );

  const openapi = readOpenapi(deps.openapiPath ?? defaultOpenapiPath, deps.logger);
  app.get("/openapi.yaml", async (_request, reply) => {
    if (openapi === undefined) throw notFound("OpenAPI document");
    return reply.type("application/yaml; charset=utf-8").send(openapi);
  });
}

/** Read once: the document describes this build and does not change while it runs. */
function readOpenapi(path: string | URL, logger: Logger): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    // The API works without its description; a missing file must not stop OTPs.
    logger.warn(
      { err: (error as Error).message },
      "OpenAPI document not found: GET /openapi.yaml answers 404",
    );
    return undefined;
  }
}
