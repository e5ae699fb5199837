/**
 * Callback URLs come with each submit, from any holder of an API key: without a check, otpgw would POST for them
 * to its own network — loopback, the cloud's metadata service (169.254.169.254), private ranges. With
 * `webhook_private_addresses: refuse` (the default) such a URL is refused at submit when its host is written as an
 * address (or `localhost`), and a host name is checked where it resolves, at each try (a name that resolves to a
 * private address later is caught then too).
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP, type LookupFunction } from "node:net";

const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local: cloud metadata services
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15], // benchmarking
  ["224.0.0.0", 3], // multicast and reserved, up to 255.255.255.255
] as const)
  PRIVATE.addSubnet(network, prefix, "ipv4");
for (const [network, prefix] of [
  ["::", 127], // unspecified and loopback
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["ff00::", 8], // multicast
] as const)
  PRIVATE.addSubnet(network, prefix, "ipv6");

/** Whether `address` (an IPv4 or IPv6 address, IPv4-mapped included) is loopback, private, link-local or reserved. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, "ipv4");
  if (family !== 6) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? PRIVATE.check(mapped[1]!, "ipv4") : PRIVATE.check(address, "ipv6");
}

/** The host of `url` when it is written as a private address or is `localhost`; else undefined. */
export function privateHostOf(url: URL): string | undefined {
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost")) return host;
  return isPrivateAddress(host) ? host : undefined;
}

/** A `lookup` for node:http that fails a name resolving to a private address (any of its addresses). */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, "", 0);
    const blocked = addresses.find((a) => isPrivateAddress(a.address));
    if (blocked) {
      const refused = new Error(
        `${hostname} resolves to a private address (${blocked.address}); webhook_private_addresses: allow permits it`,
      );
      return callback(Object.assign(refused, { code: "OTPGW_PRIVATE_ADDRESS" }), "", 0);
    }
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    const first = addresses[0]!;
    callback(null, first.address, first.family);
  });
};
