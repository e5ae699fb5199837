import { describe, expect, it } from "vitest";
import { AccountDirectory } from "../../../src/north/accounts/account-directory.js";
import type { Account, AccountsConfig } from "../../../src/north/accounts/account-types.js";
import { hashApiKey } from "../../../src/north/accounts/api-key.js";
import { hashPassword } from "../../../src/north/accounts/password-hash.js";
import { SmppStatus } from "../../../src/smpp/command-status.js";

const hash = await hashPassword("s3cret");
const rotated = await hashPassword("n3wpass");

function account(
  id: string,
  overrides: Partial<Account> = {},
  smpp: Partial<NonNullable<Account["smpp"]>> = {},
): Account {
  return {
    id,
    apiKeyDigests: [hashApiKey(`key-of-${id}-0123456789`)],
    senders: ["ACME"],
    ratePerSecond: 10,
    smpp: {
      systemId: id,
      passwordHash: hash,
      allowedIps: ["127.0.0.0/8"],
      maxBinds: 2,
      receipts: true,
      ...smpp,
    },
    ...overrides,
  };
}

const config = (...accounts: Account[]): AccountsConfig => ({ file: "accounts.yaml", accounts });

describe("AccountDirectory", () => {
  it("answers from the accounts installed last: a removed key is unknown, a new one known, settings current", async () => {
    const directory = new AccountDirectory(config(account("acme"), account("beta")));
    expect(directory.find("key-of-acme-0123456789")?.id).toBe("acme");
    const changes = directory.replace(config(account("acme", { ratePerSecond: 50 }), account("gamma")));
    expect(changes).toEqual({ added: ["gamma"], removed: ["beta"], changed: ["acme"] });
    expect(directory.find("key-of-beta-0123456789")).toBeUndefined();
    expect(directory.find("key-of-gamma-0123456789")?.id).toBe("gamma");
    expect(directory.byId("acme")?.ratePerSecond).toBe(50);
    expect(await directory.authenticate("beta", "s3cret", "127.0.0.1")).toMatchObject({
      ok: false,
      status: SmppStatus.ESME_RINVSYSID,
    });
    expect(await directory.authenticate("gamma", "s3cret", "127.0.0.1")).toMatchObject({ ok: true });
  });

  it("judges a bind whose password check spans a reload by the accounts in force when the check ends", async () => {
    const directory = new AccountDirectory(config(account("acme")));
    // The check starts with the old password; the reload rotating it lands while scrypt runs.
    const checking = directory.authenticate("acme", "s3cret", "127.0.0.1");
    directory.replace(config(account("acme", {}, { passwordHash: rotated })));
    expect(await checking).toMatchObject({ ok: false, status: SmppStatus.ESME_RINVPASWD });
    // And the other way round: a bind with the new password started before the reload installed it.
    const early = new AccountDirectory(config(account("acme")));
    const rebinding = early.authenticate("acme", "n3wpass", "127.0.0.1");
    early.replace(config(account("acme", {}, { passwordHash: rotated })));
    expect(await rebinding).toMatchObject({ ok: true });
  });

  it("keeps an SMPP session bound as the new account when its access is unchanged, and ends it when revoked", () => {
    const bound = account("acme");
    const directory = new AccountDirectory(config(bound));
    const cases: [string, Account[], boolean][] = [
      ["a rate changed", [account("acme", { ratePerSecond: 99 })], true],
      ["removed", [], false],
      ["SMPP access removed", [{ ...account("acme"), smpp: undefined }], false],
      ["password rotated", [account("acme", {}, { passwordHash: rotated })], false],
      ["system_id changed", [account("acme", {}, { systemId: "acme2" })], false],
      ["address no longer allowed", [account("acme", {}, { allowedIps: ["10.0.0.0/8"] })], false],
    ];
    for (const [what, accounts, stays] of cases) {
      directory.replace(config(...accounts));
      const now = directory.stillBound(bound, "127.0.0.1");
      expect({ what, stays: now !== undefined }).toEqual({ what, stays });
      if (now) expect(now).toBe(directory.byId("acme"));
    }
  });
});
