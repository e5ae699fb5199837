/**
 * docs/openapi.yaml must match the implementation: every documented operation is a route, every route is
 * documented, and every documented status is provoked here for real (and nothing undocumented is answered).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ErrorCodes, OtpgwError } from "../../../src/errors.js";
import { MemoryDelivery } from "./memory-delivery.js";
import { keys, startApi, validSubmit, type ApiFixture } from "./http-api-fixture.js";

interface Schema {
  $ref?: string;
  required?: string[];
  properties?: Record<string, Schema>;
  enum?: string[];
}
interface Operation {
  responses: Record<string, { $ref?: string; content?: Record<string, { schema?: Schema }> }>;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, Schema>;
    responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
  };
}

const doc = parse(readFileSync(new URL("../../../docs/openapi.yaml", import.meta.url), "utf8")) as Document;

function resolve<T>(ref: string): T {
  const path = ref.replace(/^#\//, "").split("/");
  let node: unknown = doc;
  for (const segment of path) node = (node as Record<string, unknown>)[segment];
  return node as T;
}

function schemaOf(response: Operation["responses"][string]): Schema | undefined {
  const resolved = response.$ref === undefined ? response : resolve<typeof response>(response.$ref);
  const schema = resolved.content?.["application/json"]?.schema;
  return schema?.$ref === undefined ? schema : resolve<Schema>(schema.$ref);
}

const documented: string[] = Object.entries(doc.paths).flatMap(([path, operations]) =>
  Object.entries(operations).flatMap(([method, operation]) =>
    Object.keys(operation.responses).map((status) => `${method.toUpperCase()} ${path} ${status}`),
  ),
);

async function submittedId(api: ApiFixture): Promise<string> {
  const response = await api.submit(validSubmit);
  return ((await response.json()) as { id: string }).id;
}

const getMessage = (api: ApiFixture, id: string, key: string | null = keys.acme) =>
  fetch(`${api.url}/v1/messages/${id}`, { headers: key === null ? {} : { authorization: `Bearer ${key}` } });

const convert = (api: ApiFixture, id: string, key: string | null = keys.acme) =>
  fetch(`${api.url}/v1/messages/${id}/conversion`, {
    method: "POST",
    headers: key === null ? {} : { authorization: `Bearer ${key}` },
  });

/** One way to provoke each documented status, keyed as "METHOD path status". */
const provoke: Record<string, (api: ApiFixture) => Promise<Response>> = {
  "POST /v1/messages 202": (api) => api.submit(validSubmit),
  "POST /v1/messages 200": async (api) => {
    await api.submit(validSubmit, { headers: { "idempotency-key": "k1" } });
    return api.submit(validSubmit, { headers: { "idempotency-key": "k1" } });
  },
  "POST /v1/messages 400": (api) => api.submit("{"),
  "POST /v1/messages 401": (api) => api.submit(validSubmit, { key: null }),
  "POST /v1/messages 403": (api) => {
    api.suspended.add("acme");
    return api.submit(validSubmit);
  },
  "POST /v1/messages 413": (api) => api.submit({ ...validSubmit, text: "x".repeat(50_000) }),
  "POST /v1/messages 415": (api) => api.submit("x", { headers: { "content-type": "text/plain" } }),
  "POST /v1/messages 422": (api) => api.submit({ ...validSubmit, to: "+1" }),
  "POST /v1/messages 429": async (api) => {
    const responses = await Promise.all(
      Array.from({ length: 12 }, () => api.submit({ ...validSubmit, from: "S" }, { key: keys.slow })),
    );
    return responses.find((response) => response.status === 429) ?? responses[0]!;
  },
  "POST /v1/messages 500": (api) => {
    api.delivery.acceptError = new Error("boom");
    return api.submit(validSubmit);
  },
  "POST /v1/messages 503": (api) => {
    api.delivery.acceptError = MemoryDelivery.saturatedError();
    return api.submit(validSubmit);
  },
  "GET /v1/messages/{id} 200": async (api) => getMessage(api, await submittedId(api)),
  "GET /v1/messages/{id} 401": async (api) => getMessage(api, await submittedId(api), null),
  "GET /v1/messages/{id} 404": (api) => getMessage(api, "nope"),
  "GET /v1/messages/{id} 429": async (api) => {
    const responses = await Promise.all(Array.from({ length: 30 }, () => getMessage(api, "nope", keys.slow)));
    return responses.find((response) => response.status === 429) ?? responses[0]!;
  },
  "GET /v1/messages/{id} 500": (api) => {
    api.delivery.getError = new Error("boom");
    return getMessage(api, "any");
  },
  "GET /v1/messages/{id} 503": (api) => {
    api.delivery.getError = new OtpgwError(ErrorCodes.DELIVERY_STORE, "message store unavailable: down");
    return getMessage(api, "any");
  },
  "POST /v1/messages/{id}/conversion 200": async (api) => convert(api, await submittedId(api)),
  "POST /v1/messages/{id}/conversion 401": async (api) => convert(api, await submittedId(api), null),
  "POST /v1/messages/{id}/conversion 403": async (api) => convert(api, "any", keys.slow),
  "POST /v1/messages/{id}/conversion 404": (api) => convert(api, "nope"),
  "POST /v1/messages/{id}/conversion 503": (api) => {
    api.delivery.getError = new OtpgwError(ErrorCodes.DELIVERY_STORE, "message store unavailable: down");
    return convert(api, "any");
  },
  "GET /healthz 200": (api) => fetch(`${api.url}/healthz`),
  "GET /readyz 200": (api) => {
    api.setReady(true);
    return fetch(`${api.url}/readyz`);
  },
  "GET /readyz 503": (api) => fetch(`${api.url}/readyz`),
  "GET /openapi.yaml 200": (api) => fetch(`${api.url}/openapi.yaml`),
};

describe("docs/openapi.yaml", () => {
  it("is an OpenAPI 3.1 document", () => {
    expect(doc.openapi).toBe("3.1.0");
  });

  it("documents exactly the statuses this suite can provoke", () => {
    expect([...documented].sort()).toEqual(Object.keys(provoke).sort());
  });

  it("documents every route the API serves, and every documented operation is a route", async () => {
    const api = await startApi();
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const method of Object.keys(operations)) {
        const url = path.replace(/\{(\w+)\}/g, ":$1");
        expect(api.app.hasRoute({ method: method.toUpperCase(), url }), `${method} ${path}`).toBe(true);
      }
    }
    const served = api.app
      .printRoutes({ commonPrefix: false })
      .split("\n")
      .filter((line) => line.includes("("));
    const documentedOperations = Object.values(doc.paths).reduce(
      (n, operations) => n + Object.keys(operations).length,
      0,
    );
    // printRoutes lists each path once with its methods (GET also adds HEAD).
    const servedOperations = served
      .flatMap((line) => /\(([^)]*)\)/.exec(line)?.[1]?.split(", ") ?? [])
      .filter((m) => m !== "HEAD");
    expect(servedOperations).toHaveLength(documentedOperations);
  });

  it.each(Object.keys(provoke))("%s is answered as documented", async (key) => {
    const api = await startApi();
    const status = key.split(" ")[2]!;
    const [method, path] = key.split(" ") as [string, string];
    const response = await provoke[key]!(api);
    expect(response.status).toBe(Number(status));
    const operation = doc.paths[path]![method.toLowerCase()]!;
    const schema = schemaOf(operation.responses[status]!);
    if (schema === undefined) return;
    const body = (await response.json()) as Record<string, unknown>;
    for (const field of schema.required ?? []) expect(body, `${key}: ${field}`).toHaveProperty(field);
    if (schema === doc.components.schemas.Error) {
      const codes = schema.properties!.error!.properties!.code!.enum!;
      expect(codes).toContain((body.error as { code: string }).code);
    }
    if (response.status === 429 || response.status === 503) {
      if (path === "/v1/messages")
        expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }
  });

  it("lists every HTTP error code, in the OpenAPI document and in docs/http-api.md", () => {
    const httpCodes = Object.values(ErrorCodes).filter((code) => code.startsWith("OTPGW_ERR_HTTP_"));
    const enumerated = doc.components.schemas.Error!.properties!.error!.properties!.code!.enum!;
    expect([...enumerated].sort()).toEqual([...httpCodes].sort());
    const guide = readFileSync(new URL("../../../docs/http-api.md", import.meta.url), "utf8");
    for (const code of httpCodes) expect(guide, code).toContain(code);
  });
});
