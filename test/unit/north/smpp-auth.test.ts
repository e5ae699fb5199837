import { performance } from "node:perf_hooks";
import { beforeAll, describe, expect, it } from "vitest";
import type { Account, AccountsConfig } from "../../../src/north/accounts/account-types.js";
import {
  createSmppAuthenticator,
  hashPassword,
  type SmppAuthenticator,
} from "../../../src/north/accounts/smpp-auth.js";
import { SmppStatus } from "../../../src/smpp/command-status.js";

const base = { apiKeyDigests: [], senders: ["*"], ratePerSecond: 10 };

function accountsWith(hash: string): AccountsConfig {
  const accounts: Account[] = [
    {
      id: "acme",
      ...base,
      smpp: {
        systemId: "acme01",
        passwordHash: hash,
        allowedIps: ["127.0.0.1", "10.0.0.0/8", "2001:db8::/32"],
        maxBinds: 4,
        receipts: true,
      },
    },
    { id: "http-only", ...base, apiKeyDigests: ["0".repeat(64)] },
  ];
  return { file: "accounts.yaml", accounts };
}

describe("createSmppAuthenticator", () => {
  let auth: SmppAuthenticator;
  beforeAll(async () => {
    auth = createSmppAuthenticator(accountsWith(await hashPassword("secret1")));
  });

  it("binds the right system_id and password from an allowed address as that account", async () => {
    const result = await auth.authenticate("acme01", "secret1", "127.0.0.1");
    expect(result.ok).toBe(true);
    expect(result.ok && result.account.id).toBe("acme");
  });

  it("refuses a wrong password with ESME_RINVPASWD", async () => {
    expect(await auth.authenticate("acme01", "secret2", "127.0.0.1")).toEqual({
      ok: false,
      status: SmppStatus.ESME_RINVPASWD,
      reason: "wrong-password",
    });
    expect(SmppStatus.ESME_RINVPASWD).toBe(0x0e);
  });

  it("refuses an unknown system_id with ESME_RINVSYSID, matching system_id case-sensitively", async () => {
    for (const systemId of ["nobody", "ACME01", "http-only", ""]) {
      expect(await auth.authenticate(systemId, "secret1", "127.0.0.1")).toEqual({
        ok: false,
        status: SmppStatus.ESME_RINVSYSID,
        reason: "unknown-system-id",
      });
    }
    expect(SmppStatus.ESME_RINVSYSID).toBe(0x0f);
  });

  it("refuses an address outside allowed_ips with ESME_RBINDFAIL, whether the password is right or not", async () => {
    const refused = { ok: false, status: SmppStatus.ESME_RBINDFAIL, reason: "ip-not-allowed" };
    expect(await auth.authenticate("acme01", "secret1", "192.0.2.1")).toEqual(refused);
    expect(await auth.authenticate("acme01", "wrong", "192.0.2.1")).toEqual(refused);
    expect(await auth.authenticate("acme01", "secret1", "2001:db9::1")).toEqual(refused);
    expect(SmppStatus.ESME_RBINDFAIL).toBe(0x0d);
  });

  it("matches IPv6 clients and IPv4-mapped IPv6 clients against the allow-list", async () => {
    for (const address of ["::ffff:127.0.0.1", "::ffff:10.1.2.3", "2001:db8:1::5"]) {
      expect((await auth.authenticate("acme01", "secret1", address)).ok, address).toBe(true);
    }
    expect((await auth.authenticate("acme01", "secret1", "::ffff:127.0.0.2")).ok).toBe(false);
    expect((await auth.authenticate("acme01", "secret1", "::1")).ok).toBe(false);
  });

  it("takes as long for an unknown system_id as for a wrong password: both run scrypt", async () => {
    // Alternating runs, compared by their medians, so that a slow moment of the shared machine (another test
    // process, say) hits both paths alike or drops out; the bound is generous (a quarter), as skipping scrypt
    // would make the unknown path about a hundred times faster.
    const runs = { unknown: [] as number[], wrong: [] as number[], notAllowed: [] as number[] };
    const time = async (run: () => Promise<unknown>): Promise<number> => {
      const start = performance.now();
      await run();
      return performance.now() - start;
    };
    for (let round = 0; round < 7; round++) {
      runs.wrong.push(await time(() => auth.authenticate("acme01", "wrong", "127.0.0.1")));
      runs.unknown.push(await time(() => auth.authenticate("nobody", "wrong", "127.0.0.1")));
      runs.notAllowed.push(await time(() => auth.authenticate("acme01", "wrong", "192.0.2.1")));
    }
    const median = (values: number[]): number => [...values].sort((a, b) => a - b)[3]!;
    const [unknown, wrong, notAllowed] = [median(runs.unknown), median(runs.wrong), median(runs.notAllowed)];
    expect(unknown).toBeGreaterThan(wrong / 4);
    expect(wrong).toBeGreaterThan(unknown / 4);
    expect(notAllowed).toBeGreaterThan(wrong / 4);
  });

  it("refuses to start from an account whose hash or allow-list is invalid", () => {
    expect(() => createSmppAuthenticator(accountsWith("plain"))).toThrow(/acme: invalid smpp.password_hash/);
    const config = accountsWith("scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + "A".repeat(43) + "=");
    const acme = config.accounts[0]!;
    const broken = { ...config, accounts: [{ ...acme, smpp: { ...acme.smpp!, allowedIps: ["nonsense"] } }] };
    expect(() => createSmppAuthenticator(broken)).toThrow(/allowed_ips/);
  });
});
