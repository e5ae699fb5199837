/**
 * One POST to a webhook receiver over node:http(s) with keep-alive connections (a pool per protocol). Chosen
 * over fetch: on the hot path fetch (undici, web streams, abort signals) cost a quarter of the gateway's CPU at
 * a thousand webhooks a second; this is the plain client doing the same. Redirects are not followed.
 */
import http from "node:http";
import https from "node:https";
import { privateHostOf, publicOnlyLookup } from "./private-address.js";

/**
 * Connections open at once per receiver host (and per protocol pool). Enough for a receiver answering in tens of
 * milliseconds at a thousand webhooks a second; few enough that a receiver which holds its connections open holds
 * dozens of sockets, not hundreds. Tries beyond wait for a connection, within their own timeout.
 */
export const maxSocketsPerHost = 64;

/**
 * The most of a receiver's answer that is read. Only its status matters; a longer body is not read on (its
 * connection is closed rather than kept for another webhook), so a receiver cannot make otpgw buffer or wait.
 */
export const maxResponseBodyBytes = 4096;

const agents = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: maxSocketsPerHost }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: maxSocketsPerHost }),
};

/**
 * POSTs `body`; resolves with the receiver's status code once its answer is complete (or `maxResponseBodyBytes` of
 * its body arrived), rejects when the connection fails or the whole exchange — waiting for a pooled connection,
 * connecting, the answer's headers and its body — takes longer than `timeoutMs`. Always settles within
 * `timeoutMs`: a request still waiting for a pooled socket emits nothing when destroyed (Node 20) until a socket
 * frees, so the timer rejects before it destroys.
 */
export function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  /** Refuse private addresses (private-address.ts): written as the host, or where the host name resolves. */
  publicOnly = false,
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
    const privateHost = publicOnly ? privateHostOf(target) : undefined;
    if (privateHost !== undefined) {
      reject(new Error(`${privateHost} is a private address; webhook_private_addresses: allow permits it`));
      return;
    }
    let settled = false;
    const settle = (error: Error | undefined, status = 0): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error === undefined) resolve(status);
      else reject(error);
    };
    const client = target.protocol === "https:" ? https : http;
    const request = client.request(
      target,
      {
        method: "POST",
        agent: agents[target.protocol],
        // Object.assign, not `{ ...headers, field }`: that copy would get a hidden class of its own per request on
        // Node 20 (see delivery/lifecycle.ts).
        headers: Object.assign({}, headers, { "content-length": String(Buffer.byteLength(body)) }),
        lookup: publicOnly ? publicOnlyLookup : undefined,
      },
      (response) => {
        const status = response.statusCode ?? 0;
        let received = 0;
        response.on("data", (chunk: Buffer) => {
          received += chunk.length;
          if (received > maxResponseBodyBytes) {
            settle(undefined, status);
            // Closes the connection: the rest of the answer is never read, so the socket cannot be reused.
            request.destroy();
          }
        });
        response.on("end", () => settle(undefined, status));
        response.on("error", (error) => settle(error));
        // A connection closed mid-answer: 'close' without 'end' (Node emits no error for every such case).
        response.on("close", () => settle(new Error("the answer was cut short")));
      },
    );
    const timer = setTimeout(() => {
      settle(new Error(`no complete answer within ${timeoutMs} ms`));
      // After settling: the socket (if it has one yet) is closed, never returned to the pool half-read.
      request.destroy();
    }, timeoutMs);
    request.on("error", (error) => settle(error));
    request.end(body);
  });
}
