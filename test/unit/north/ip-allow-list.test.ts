import { describe, expect, it } from "vitest";
import {
  createIpAllowList,
  ipRangeProblem,
  normaliseRemoteAddress,
} from "../../../src/north/accounts/ip-allow-list.js";

describe("createIpAllowList", () => {
  it("matches IPv4 CIDRs and single addresses, and nothing else", () => {
    const list = createIpAllowList(["192.0.2.0/24", "198.51.100.7"]);
    expect(list.allows("192.0.2.1")).toBe(true);
    expect(list.allows("192.0.2.255")).toBe(true);
    expect(list.allows("192.0.3.0")).toBe(false);
    expect(list.allows("198.51.100.7")).toBe(true);
    expect(list.allows("198.51.100.8")).toBe(false);
    expect(list.allows("not an address")).toBe(false);
    expect(list.allows("")).toBe(false);
  });

  it("matches IPv6 CIDRs and single addresses in any spelling, with a zone index ignored", () => {
    const list = createIpAllowList(["2001:db8:10::/48", "::1"]);
    expect(list.allows("2001:db8:10::1")).toBe(true);
    expect(list.allows("2001:0db8:0010:ffff:0:0:0:1")).toBe(true);
    expect(list.allows("2001:db8:11::1")).toBe(false);
    expect(list.allows("::1")).toBe(true);
    expect(list.allows("0:0:0:0:0:0:0:1")).toBe(true);
    expect(list.allows("::2")).toBe(false);
    expect(createIpAllowList(["fe80::/10"]).allows("fe80::1%eth0")).toBe(true);
  });

  it("matches an IPv4-mapped IPv6 client (dual-stack socket) as IPv4, in dotted or hex form", () => {
    const list = createIpAllowList(["127.0.0.1", "10.0.0.0/8"]);
    expect(list.allows("::ffff:127.0.0.1")).toBe(true);
    expect(list.allows("::ffff:7f00:1")).toBe(true);
    expect(list.allows("::ffff:10.200.3.4")).toBe(true);
    expect(list.allows("::ffff:127.0.0.2")).toBe(false);
    expect(list.allows("::ffff:11.0.0.1")).toBe(false);
  });

  it("keeps the families apart: ::/0 admits no IPv4 client and 0.0.0.0/0 no IPv6 client", () => {
    const v6 = createIpAllowList(["::/0"]);
    expect(v6.allows("2001:db8::1")).toBe(true);
    expect(v6.allows("192.0.2.1")).toBe(false);
    expect(v6.allows("::ffff:192.0.2.1")).toBe(false);
    const v4 = createIpAllowList(["0.0.0.0/0"]);
    expect(v4.allows("192.0.2.1")).toBe(true);
    expect(v4.allows("::ffff:192.0.2.1")).toBe(true);
    expect(v4.allows("2001:db8::1")).toBe(false);
    const both = createIpAllowList(["0.0.0.0/0", "::/0"]);
    expect(["192.0.2.1", "::1", "::ffff:10.0.0.1"].every((address) => both.allows(address))).toBe(true);
  });

  it("refuses to build from an invalid entry", () => {
    expect(() => createIpAllowList(["10.0.0.0/8", "nonsense"])).toThrow(TypeError);
  });
});

describe("ipRangeProblem", () => {
  it("accepts addresses and CIDRs of both families, including the any-address ones", () => {
    for (const entry of [
      "192.0.2.10",
      "192.0.2.0/24",
      "0.0.0.0/0",
      "2001:db8::/32",
      "::1",
      "::/0",
      "::1/128",
    ]) {
      expect(ipRangeProblem(entry), entry).toBeUndefined();
    }
  });

  it("refuses garbage, bad prefixes, host bits, IPv4-mapped entries and zone indexes, saying why", () => {
    const cases: [string, RegExp][] = [
      ["example.com", /must be an IPv4 or IPv6 address or CIDR/],
      ["192.0.2.0/", /prefix length .* 0 to 32 for IPv4/],
      ["192.0.2.0/33", /0 to 32 for IPv4/],
      ["2001:db8::/129", /0 to 128 for IPv6/],
      ["192.0.2.0/24/1", /prefix length/],
      ["192.0.2.0/+8", /prefix length/],
      ["010.0.0.1", /must be an IPv4 or IPv6 address/],
      ["10.1.2.3/8", /write the network address 10\.0\.0\.0\/8/],
      ["2001:db8:1::/32", /write the network address 2001:db8::\/32/],
      ["::ffff:192.0.2.1", /IPv4-mapped/],
      ["::ffff:c000:201/128", /IPv4-mapped/],
      ["fe80::1%eth0", /zone index/],
    ];
    for (const [entry, reason] of cases) expect(ipRangeProblem(entry), entry).toMatch(reason);
  });
});

describe("normaliseRemoteAddress", () => {
  it("gives IPv4-mapped addresses as IPv4 and leaves other IPv6 alone", () => {
    expect(normaliseRemoteAddress("::ffff:127.0.0.1")).toEqual({ address: "127.0.0.1", family: "ipv4" });
    expect(normaliseRemoteAddress("::FFFF:7F00:1")).toEqual({ address: "127.0.0.1", family: "ipv4" });
    expect(normaliseRemoteAddress("127.0.0.1")).toEqual({ address: "127.0.0.1", family: "ipv4" });
    expect(normaliseRemoteAddress("::1")).toEqual({ address: "::1", family: "ipv6" });
    expect(normaliseRemoteAddress("64:ff9b::1.2.3.4")).toEqual({
      address: "64:ff9b::1.2.3.4",
      family: "ipv6",
    });
    expect(normaliseRemoteAddress("localhost")).toBeUndefined();
  });
});
