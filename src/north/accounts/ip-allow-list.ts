/**
 * The source addresses an account may bind from (`smpp.allowed_ips`): single addresses or CIDRs, IPv4 or
 * IPv6, matched with node:net's BlockList (built in, no dependency).
 *
 * An IPv4 client matches only IPv4 entries and an IPv6 client only IPv6 entries. BlockList on its own lets an
 * IPv6 rule match IPv4 addresses (`::/0` would admit every IPv4 client too), which is not what an operator
 * writing `::/0` for "any IPv6" expects on a port other networks reach; so each family gets its own list.
 * A client on a dual-stack socket appears as `::ffff:a.b.c.d` and is matched as the IPv4 address it is.
 */
import { BlockList, isIP } from "node:net";

export type IpFamily = "ipv4" | "ipv6";

/** Decides whether a client address may bind. */
export interface IpAllowList {
  /** True when `remoteAddress` (as in `socket.remoteAddress`) is inside one of the entries. */
  allows(remoteAddress: string): boolean;
}

/** Why `entry` is not a usable allow-list entry, or undefined when it is. Never quotes the entry. */
export function ipRangeProblem(entry: string): string | undefined {
  return parseRange(entry).problem;
}

/** @throws TypeError for an entry that ipRangeProblem refuses (the schema refuses those first). */
export function createIpAllowList(entries: readonly string[]): IpAllowList {
  const lists: Record<IpFamily, BlockList> = { ipv4: new BlockList(), ipv6: new BlockList() };
  for (const entry of entries) {
    const parsed = parseRange(entry);
    if (parsed.range === undefined) throw new TypeError(`invalid allowed_ips entry: ${parsed.problem}`);
    const { address, prefix, family } = parsed.range;
    lists[family].addSubnet(address, prefix, family);
  }
  return {
    allows(remoteAddress) {
      const client = normaliseRemoteAddress(remoteAddress);
      return client !== undefined && lists[client.family].check(client.address, client.family);
    },
  };
}

/**
 * The address to match for a client: IPv4-mapped IPv6 (`::ffff:127.0.0.1`, also in hex form) as IPv4, a zone
 * index (`fe80::1%eth0`) dropped. Undefined for something that is not an IP address.
 */
export function normaliseRemoteAddress(address: string): { address: string; family: IpFamily } | undefined {
  const withoutZone = address.replace(/%.*$/, "");
  const bytes = addressBytes(withoutZone);
  if (bytes === undefined) return undefined;
  if (bytes.length === 4) return { address: withoutZone, family: "ipv4" };
  if (isV4Mapped(bytes)) return { address: bytes.subarray(12).join("."), family: "ipv4" };
  return { address: withoutZone, family: "ipv6" };
}

interface Range {
  address: string;
  prefix: number;
  family: IpFamily;
}

function parseRange(entry: string): { range?: Range; problem?: string } {
  if (entry.includes("%")) return { problem: "must not carry a zone index (%…)" };
  const slash = entry.indexOf("/");
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const bytes = addressBytes(address);
  if (bytes === undefined) {
    return {
      problem:
        "must be an IPv4 or IPv6 address or CIDR, such as 192.0.2.10, 192.0.2.0/24 or 2001:db8::/32 (0.0.0.0/0 and ::/0 allow any)",
    };
  }
  const family: IpFamily = bytes.length === 4 ? "ipv4" : "ipv6";
  const bits = bytes.length * 8;
  if (family === "ipv6" && isV4Mapped(bytes)) {
    return {
      problem:
        "must not be IPv4-mapped IPv6 (::ffff:…): write it as IPv4 (a.b.c.d or a.b.c.d/n), which is how such clients are matched",
    };
  }
  const prefixText = slash === -1 ? String(bits) : entry.slice(slash + 1);
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (!(prefix >= 0 && prefix <= bits)) {
    return {
      problem: `the prefix length after / must be a whole number from 0 to ${bits} for ${family === "ipv4" ? "IPv4" : "IPv6"}`,
    };
  }
  const network = maskTo(bytes, prefix);
  if (!network.every((byte, index) => byte === bytes[index])) {
    // "10.1.2.3/8" is more likely a mistyped single address than a deliberate /8: make the operator say which.
    return {
      problem: `has bits set after its /${prefix} prefix: write the network address ${formatAddress(network)}/${prefix}, or the single address without a prefix`,
    };
  }
  return { range: { address, prefix, family } };
}

/** The 4 or 16 bytes of an IP address written in standard form, or undefined when it is not one. */
function addressBytes(address: string): Uint8Array | undefined {
  const version = isIP(address);
  if (version === 4) return Uint8Array.from(address.split(".").map(Number));
  if (version !== 6) return undefined;
  let text = address;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    // An embedded IPv4 tail (`::ffff:1.2.3.4`) stands for the last two 16-bit groups.
    const [a = 0, b = 0, c = 0, d = 0] = text
      .slice(lastColon + 1)
      .split(".")
      .map(Number);
    tail.push((a << 8) | b, (c << 8) | d);
    text = `${text.slice(0, lastColon + 1)}0`;
  }
  const [head = "", rest] = text.split("::");
  const parse = (part: string): number[] => (part === "" ? [] : part.split(":").map((g) => parseInt(g, 16)));
  const headGroups = parse(head);
  const restGroups = rest === undefined ? [] : parse(rest);
  if (tail.length > 0) (rest === undefined ? headGroups : restGroups).pop();
  const missing = 8 - headGroups.length - restGroups.length - tail.length;
  const groups = [...headGroups, ...new Array<number>(Math.max(missing, 0)).fill(0), ...restGroups, ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((group, index) => {
    bytes[index * 2] = group >> 8;
    bytes[index * 2 + 1] = group & 0xff;
  });
  return bytes;
}

function isV4Mapped(bytes: Uint8Array): boolean {
  return (
    bytes.length === 16 &&
    bytes.subarray(0, 10).every((b) => b === 0) &&
    bytes[10] === 0xff &&
    bytes[11] === 0xff
  );
}

function maskTo(bytes: Uint8Array, prefix: number): Uint8Array {
  return bytes.map((byte, index) => {
    const keep = Math.min(Math.max(prefix - index * 8, 0), 8);
    return byte & ((0xff << (8 - keep)) & 0xff);
  });
}

/** Dotted IPv4, or IPv6 with its longest run of zero groups written `::`. */
function formatAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join(".");
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[i * 2] ?? 0) << 8) | (bytes[i * 2 + 1] ?? 0));
  let best = { start: -1, length: 0 };
  for (let start = 0; start < 8;) {
    let end = start;
    while (end < 8 && groups[end] === 0) end++;
    if (end - start > best.length && end - start > 1) best = { start, length: end - start };
    start = end === start ? start + 1 : end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (best.start === -1) return hex.join(":");
  const head = hex.slice(0, best.start).join(":");
  const tail = hex.slice(best.start + best.length).join(":");
  return `${head}::${tail}`;
}
