/**
 * Decides whether an SMPP bind's system_id and password, from a given address, may bind, and as which account.
 * Bind limits and per-IP failure cooldowns belong to the SMPP server; this is only the credentials check.
 *
 * Every attempt costs exactly one scrypt verification, whatever the outcome: an unknown system_id is checked
 * against a dummy hash with the default parameters, and a client outside the allow-list still has its password
 * hashed. So response times do not tell an unknown system_id from a wrong password (as long as the accounts'
 * hashes use the defaults that `otpgw accounts hash-password` writes), and a client outside the allow-list
 * learns nothing about the password: it gets ESME_RBINDFAIL whether the password was right or wrong.
 */
import { randomBytes } from "node:crypto";
import { SmppStatus } from "../../smpp/command-status.js";
import type { Account, AccountsConfig } from "./account-types.js";
import { createIpAllowList, type IpAllowList } from "./ip-allow-list.js";
import { parsePasswordHash, scryptDefaults, verifyParsed, type PasswordHash } from "./password-hash.js";

export { hashPassword, verifyPassword } from "./password-hash.js";

/** Why a bind was refused, for logs and metric labels (never the password). */
export type SmppAuthFailure = "unknown-system-id" | "wrong-password" | "ip-not-allowed";

export type SmppAuthResult =
  { ok: true; account: Account } | { ok: false; status: number; reason: SmppAuthFailure };

export interface SmppAuthenticator {
  /**
   * Checks a bind. Statuses: unknown system_id → ESME_RINVSYSID, wrong password → ESME_RINVPASWD, address not
   * in the account's allowed_ips → ESME_RBINDFAIL. system_id is matched exactly (case-sensitive).
   * @param remoteAddress the client's address as `socket.remoteAddress` gives it (IPv4-mapped IPv6 is IPv4).
   */
  authenticate(systemId: string, password: string, remoteAddress: string): Promise<SmppAuthResult>;
}

interface Entry {
  account: Account;
  hash: PasswordHash;
  allowList: IpAllowList;
}

/**
 * Parses every SMPP account's hash and allow-list once.
 * @throws TypeError when an account's password_hash or allowed_ips is invalid (parseAccountsFile refuses those
 * with their line; this guards configurations built some other way).
 */
export function createSmppAuthenticator(config: AccountsConfig): SmppAuthenticator {
  const bySystemId = new Map<string, Entry>();
  for (const account of config.accounts) {
    if (account.smpp === undefined) continue;
    const parsed = parsePasswordHash(account.smpp.passwordHash);
    if (parsed.hash === undefined) {
      throw new TypeError(`account ${account.id}: invalid smpp.password_hash: ${parsed.problem}`);
    }
    bySystemId.set(account.smpp.systemId, {
      account,
      hash: parsed.hash,
      allowList: createIpAllowList(account.smpp.allowedIps),
    });
  }
  // Random key bytes: no password derives them, so the dummy never matches.
  const dummy: PasswordHash = {
    cost: scryptDefaults.cost,
    blockSize: scryptDefaults.blockSize,
    parallelization: scryptDefaults.parallelization,
    salt: randomBytes(scryptDefaults.saltBytes),
    key: randomBytes(scryptDefaults.keyBytes),
  };

  return {
    async authenticate(systemId, password, remoteAddress) {
      const entry = bySystemId.get(systemId);
      if (entry === undefined) {
        await verifyParsed(password, dummy);
        return { ok: false, status: SmppStatus.ESME_RINVSYSID, reason: "unknown-system-id" };
      }
      const allowed = entry.allowList.allows(remoteAddress);
      const matches = await verifyParsed(password, entry.hash);
      if (!allowed) return { ok: false, status: SmppStatus.ESME_RBINDFAIL, reason: "ip-not-allowed" };
      if (!matches) return { ok: false, status: SmppStatus.ESME_RINVPASWD, reason: "wrong-password" };
      return { ok: true, account: entry.account };
    },
  };
}
