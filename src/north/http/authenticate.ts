/**
 * API-key authentication, run on `onRequest`: before the body is read or parsed, so an unauthenticated
 * client learns nothing about what the API would make of its body, and costs us no parsing.
 */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from "fastify";
import type { ApiKeyIndex } from "../accounts/api-key.js";
import { unauthorized } from "./http-api-error.js";
import "./request-context.js";

/** Longer "keys" are not ours; refusing them early bounds the hashing work an attacker can cause. */
const apiKeyMaxLength = 256;

/**
 * The key from `Authorization: Bearer <key>`, else `X-Api-Key`, else undefined. An `Authorization` of another
 * scheme (a proxy's Basic, say) is not ours and does not hide an `X-Api-Key`; a Bearer one, even malformed, is
 * the client's choice and is the only key looked at.
 */
export function presentedApiKey(headers: FastifyRequest["headers"]): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === "string" && /^Bearer(?:[ \t]|$)/i.test(authorization)) {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    return match?.[1];
  }
  const header = headers["x-api-key"];
  return typeof header === "string" && header !== "" ? header.trim() : undefined;
}

/** An `onRequest` hook that answers 401 or attaches the key's account to the request. */
export function authenticateHook(index: ApiKeyIndex) {
  return (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const key = presentedApiKey(request.headers);
    const account = key === undefined || key.length > apiKeyMaxLength ? undefined : index.find(key);
    if (account === undefined) {
      done(unauthorized());
      return;
    }
    request.otpgwAccount = account;
    done();
  };
}
