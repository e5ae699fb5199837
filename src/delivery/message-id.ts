/** otpgw's own message ids: what the acknowledgement carries and every key of a message is named by. */
import { randomFillSync } from "node:crypto";

/** Random bytes for ids, drawn 4 KiB at a time (one system call per 512 ids instead of one per id). */
const randomPool = Buffer.alloc(4096);
let randomOffset = randomPool.length;

/** Sortable, unguessable ids: 8 hex of seconds since the epoch + 16 random hex. */
export function newMessageId(now: number): string {
  if (randomOffset + 8 > randomPool.length) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  const random = randomPool.toString("hex", randomOffset, randomOffset + 8);
  randomOffset += 8;
  return (
    Math.floor(now / 1000)
      .toString(16)
      .padStart(8, "0") + random
  );
}
