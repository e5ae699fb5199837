/**
 * The accounts in force: API keys, SMPP credentials and each account's settings, replaced as a whole when a
 * reloaded accounts.yaml is valid (src/config/config-reload.ts). Lookups after a replacement see only the new
 * accounts: a revoked API key gets 401 on its next request, a removed SMPP account cannot bind, a raised rate or a
 * new sender applies to the next submit. Requests already past authentication finish with the account they had.
 */
import { changesByName, type Changes } from "../../config/changes.js";
import type { Account, AccountsConfig } from "./account-types.js";
import { createApiKeyIndex, type ApiKeyIndex } from "./api-key.js";
import { createIpAllowList } from "./ip-allow-list.js";
import { createSmppAuthenticator, type SmppAuthenticator, type SmppAuthResult } from "./smpp-auth.js";

interface Installed {
  config: AccountsConfig;
  keys: ApiKeyIndex;
  smpp: SmppAuthenticator;
  byId: Map<string, Account>;
}

function install(config: AccountsConfig): Installed {
  // Built whole before anything is swapped in: a configuration that cannot be indexed changes nothing.
  return {
    config,
    keys: createApiKeyIndex(config),
    smpp: createSmppAuthenticator(config),
    byId: new Map(config.accounts.map((a) => [a.id, a])),
  };
}

export class AccountDirectory implements ApiKeyIndex, SmppAuthenticator {
  #now: Installed;

  constructor(config: AccountsConfig) {
    this.#now = install(config);
  }

  /** The account an API key belongs to now. */
  find(key: string): Account | undefined {
    return this.#now.keys.find(key);
  }

  /**
   * Checks a bind against the accounts in force when the check ends: one replaced while the password was being
   * hashed (a reload revoking it) is checked again with the new accounts, so a rotated password or a revoked account
   * never binds through a check that began before the reload. The caller binds on the answer without awaiting
   * anything else, so no reload can come between.
   */
  async authenticate(systemId: string, password: string, remoteAddress: string): Promise<SmppAuthResult> {
    for (;;) {
      const installed = this.#now;
      const result = await installed.smpp.authenticate(systemId, password, remoteAddress);
      if (installed === this.#now) return result;
    }
  }

  /** The account with this id as configured now. */
  byId(id: string): Account | undefined {
    return this.#now.byId.get(id);
  }

  /** Installs a validated accounts configuration; returns which accounts it added, removed and changed. */
  replace(config: AccountsConfig): Changes {
    const before = this.#now.config.accounts;
    this.#now = install(config);
    return changesByName(before, config.accounts, (account) => account.id);
  }

  /**
   * For an SMPP session bound as `bound` from `remoteAddress`: the account it continues as under the accounts now,
   * or undefined when it may no longer be bound — the account is gone or has no SMPP access, its system_id or
   * password hash changed (a rotated password ends the sessions bound with the old one), or the address is no
   * longer in its allowed_ips.
   */
  stillBound(bound: Account, remoteAddress: string): Account | undefined {
    const now = this.#now.byId.get(bound.id);
    const was = bound.smpp;
    const is = now?.smpp;
    if (!now || !was || !is) return undefined;
    if (is.systemId !== was.systemId || is.passwordHash !== was.passwordHash) return undefined;
    return createIpAllowList(is.allowedIps).allows(remoteAddress) ? now : undefined;
  }
}
