import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { keys, startApi } from "./http-api-fixture.js";

/** Writes `request` on a fresh connection (then half-closes it) and reads everything the server answers. */
async function raw(url: string, request: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1");
    let answer = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (answer += chunk));
    socket.on("end", () => resolve(answer));
    socket.on("close", () => resolve(answer));
    socket.on("error", reject);
    socket.setTimeout(5000, () => socket.destroy(new Error("no answer within 5 s")));
    socket.end(request);
  });
}

function parse(answer: string): { status: number; contentType: string | undefined; body: unknown } {
  const [head = "", body = ""] = answer.split("\r\n\r\n");
  const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(head)?.[1]);
  const contentType = /^content-type: *(.+)$/im.exec(head)?.[1]?.trim();
  return { status, contentType, body: JSON.parse(body) };
}

/** With a valid key, so that the request is not answered 401 before its body is read. */
const auth = `Authorization: Bearer ${keys.acme}\r\n`;

describe("requests the HTTP parser refuses before any route sees them", () => {
  const cases: [string, string, number][] = [
    [
      "a body shorter than its Content-Length",
      `POST /v1/messages HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"to":`,
      400,
    ],
    [
      "a Content-Length that is not a number",
      `POST /v1/messages HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: abc\r\n\r\n`,
      400,
    ],
    [
      "broken chunked framing",
      `POST /v1/messages HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`,
      400,
    ],
    ["headers over 16 KiB", `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`, 431],
  ];
  it.each(cases)("%s: the documented error body, and counted", async (_name, request, status) => {
    const api = await startApi();
    const answer = parse(await raw(api.url, request));
    expect(answer.status).toBe(status);
    expect(answer.contentType).toMatch(/^application\/json/);
    const { error } = answer.body as { error: { code: string; message: string } };
    expect(Object.keys(answer.body as object)).toEqual(["error"]);
    expect(Object.keys(error)).toEqual(["code", "message"]);
    expect(error.code).toBe("OTPGW_ERR_HTTP_BAD_REQUEST");
    expect(error.message.length).toBeGreaterThan(10);
    const metrics = await api.metrics.registry.metrics();
    expect(metrics).toContain(
      `otpgw_http_requests_total{route="unparsed",status="${status}",code="OTPGW_ERR_HTTP_BAD_REQUEST"} 1`,
    );
  });
});

describe("requests the router refuses before any route or hook runs", () => {
  it("a malformed path and an over-long message id: the documented error body, and counted once each", async () => {
    const api = await startApi();
    const malformed = await fetch(`${api.url}/v1/messages/%zz`, {
      headers: { authorization: `Bearer ${keys.acme}` },
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe(
      "OTPGW_ERR_HTTP_BAD_REQUEST",
    );
    const long = await fetch(`${api.url}/v1/messages/${"a".repeat(200)}`, {
      headers: { authorization: `Bearer ${keys.acme}` },
    });
    expect(long.status).toBe(404);
    const metrics = await api.metrics.registry.metrics();
    expect(metrics).toContain(
      'otpgw_http_requests_total{route="unmatched",status="400",code="OTPGW_ERR_HTTP_BAD_REQUEST"} 1',
    );
    expect(metrics).toContain(
      'otpgw_http_requests_total{route="unmatched",status="404",code="OTPGW_ERR_HTTP_NOT_FOUND"} 1',
    );
  });
});
