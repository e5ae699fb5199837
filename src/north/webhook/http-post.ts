/**
 * One POST to a webhook receiver over node:http(s) with keep-alive connections (a pool per protocol). Chosen
 * over fetch: on the hot path fetch (undici, web streams, abort signals) cost a quarter of the gateway's CPU at
 * a thousand webhooks a second; this is the plain client doing the same. Redirects are not followed.
 */
import http from "node:http";
import https from "node:https";

/** Connections kept open per receiver host (and per protocol pool). */
const MAX_SOCKETS = 256;

const agents = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
};

/**
 * POSTs `body`; resolves with the receiver's status code once its answer starts (the answer's body is read
 * and dropped), rejects when there is no answer within `timeoutMs` or the connection fails.
 */
export function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      reject(new Error("invalid callback URL"));
      return;
    }
    if (target.protocol !== "http:" && target.protocol !== "https:") {
      reject(new Error(`unsupported callback URL scheme ${target.protocol}`));
      return;
    }
    const client = target.protocol === "https:" ? https : http;
    const request = client.request(
      target,
      {
        method: "POST",
        agent: agents[target.protocol],
        // Object.assign, not `{ ...headers, field }`: that copy would get a hidden class of its own per request on
        // Node 20 (see delivery/lifecycle.ts).
        headers: Object.assign({}, headers, { "content-length": String(Buffer.byteLength(body)) }),
      },
      (response) => {
        clearTimeout(timer);
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    const timer = setTimeout(() => request.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    request.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.end(body);
  });
}
