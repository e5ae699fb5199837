/**
 * Parts of concatenated submits, kept in Redis until the set is complete, so a part we acknowledged survives a
 * restart: the set completes when the ESME sends (or resends) its remaining parts. A set's key expires
 * `timeoutMs` after its first part; an incomplete set is then dropped. Each set gets a random id on its first part;
 * the parts are acknowledged as `<setId>-<seq>`.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";

/** Adds one part; returns the set id and how many distinct parts are stored. Atomic. */
const ADD_PART = `
redis.call('HSETNX', KEYS[1], 'id', ARGV[1])
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return {redis.call('HGET', KEYS[1], 'id'), redis.call('HLEN', KEYS[1]) - 1}
`;

/** The id an ESME is given for part `seq` (1-based) of set `setId`. */
export function partId(setId: string, seq: number): string {
  return `${setId}-${seq}`;
}

/** A part id's set id and part number, or undefined for any other id (a set id is 16 hex digits). */
export function parsePartId(id: string): { setId: string; seq: number } | undefined {
  const match = /^([0-9a-f]{16})-(\d{1,3})$/.exec(id);
  return match ? { setId: match[1]!, seq: Number(match[2]) } : undefined;
}

export interface SetKey {
  systemId: string;
  from: string;
  to: string;
  reference: number;
  total: number;
}

export interface StoredPart {
  seq: number;
  dataCoding: number;
  /** registered_delivery bits 1..0 of this part: ESMEs such as Kannel ask for a receipt on one part only. */
  receiptRequest: number;
  bytes: Buffer;
}

export class ConcatStore {
  constructor(private readonly options: { redis: Redis; keyPrefix: string; timeoutMs: number }) {}

  private key(set: SetKey): string {
    return `${this.options.keyPrefix}smpp:concat:${set.systemId}:${set.from}:${set.to}:${set.reference}:${set.total}`;
  }

  /** Stores a part (a resent part replaces itself); the set is complete when `stored === set.total`. */
  async addPart(set: SetKey, part: StoredPart): Promise<{ setId: string; stored: number }> {
    const value = Buffer.concat([Buffer.from([part.dataCoding, part.receiptRequest]), part.bytes]);
    const result = (await this.options.redis.eval(
      ADD_PART,
      1,
      this.key(set),
      randomBytes(8).toString("hex"),
      `p${part.seq}`,
      value,
      String(this.options.timeoutMs),
    )) as [string, number];
    return { setId: result[0], stored: Number(result[1]) };
  }

  /** Every stored part in seq order (parts only: the id field is left out). */
  async parts(set: SetKey): Promise<StoredPart[]> {
    const all = await this.options.redis.hgetallBuffer(this.key(set));
    const parts: StoredPart[] = [];
    for (const [field, value] of Object.entries(all)) {
      if (!field.startsWith("p") || value.length < 2) continue;
      parts.push({
        seq: Number(field.slice(1)),
        dataCoding: value[0] as number,
        receiptRequest: value[1] as number,
        bytes: value.subarray(2),
      });
    }
    return parts.sort((a, b) => a.seq - b.seq);
  }

  async remove(set: SetKey): Promise<void> {
    await this.options.redis.del(this.key(set));
  }
}
