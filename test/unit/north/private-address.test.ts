import type { LookupAddress } from "node:dns";
import { describe, expect, it } from "vitest";
import {
  isPrivateAddress,
  privateHostOf,
  publicOnlyLookup,
} from "../../../src/north/webhook/private-address.js";

describe("private addresses (webhook_private_addresses: refuse)", () => {
  it.each([
    ["127.0.0.1", true],
    ["10.20.30.40", true],
    ["172.16.5.4", true],
    ["172.32.0.1", false],
    ["192.168.1.1", true],
    ["169.254.169.254", true],
    ["100.64.0.1", true],
    ["0.0.0.0", true],
    ["255.255.255.255", true],
    ["8.8.8.8", false],
    ["203.0.113.7", false],
    ["::1", true],
    ["::", true],
    ["fe80::1", true],
    ["fd12:3456::1", true],
    ["2001:4860:4860::8888", false],
    ["::ffff:10.0.0.1", true],
    ["::ffff:8.8.8.8", false],
    ["example.com", false],
  ])("%s → %s", (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });

  it("finds a private host as a URL writes it (any IPv4 form, IPv6 in brackets, localhost)", () => {
    expect(privateHostOf(new URL("http://0x7f.1:8080/x"))).toBe("127.0.0.1");
    expect(privateHostOf(new URL("http://[::1]/x"))).toBe("::1");
    expect(privateHostOf(new URL("http://LOCALHOST/x"))).toBe("localhost");
    expect(privateHostOf(new URL("http://api.localhost/x"))).toBe("api.localhost");
    expect(privateHostOf(new URL("https://hooks.example.com/x"))).toBeUndefined();
    expect(privateHostOf(new URL("https://8.8.8.8/x"))).toBeUndefined();
  });

  it("fails a name that resolves to a private address, as one address or all of them", async () => {
    const one = await new Promise<{ error: NodeJS.ErrnoException | null }>((resolve) =>
      publicOnlyLookup("localhost", {}, (error) => resolve({ error })),
    );
    expect(one.error?.code).toBe("OTPGW_PRIVATE_ADDRESS");
    expect(one.error?.message).toMatch(/localhost resolves to a private address \(127\.0\.0\.1\)/);
    const all = await new Promise<{ error: NodeJS.ErrnoException | null; addresses: unknown }>((resolve) =>
      publicOnlyLookup("localhost", { all: true }, (error, addresses: string | LookupAddress[]) =>
        resolve({ error, addresses }),
      ),
    );
    expect(all.error?.code).toBe("OTPGW_PRIVATE_ADDRESS");
  });
});
