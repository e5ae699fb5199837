import { createServer, connect, type Server, type Socket } from "node:net";
import { once } from "node:events";
import { PduFramer } from "../../src/smpp/session/pdu-framer.js";
import { readHeader } from "../../src/smpp/session/pdu-codec.js";

/** A frame seen by a raw peer, with its header decoded. */
export interface RawFrame {
  commandId: number;
  status: number;
  sequence: number;
  raw: Buffer;
}

/** Collects whole PDUs arriving on a socket and lets a test wait for them. */
export class FrameCollector {
  readonly frames: RawFrame[] = [];
  private readonly framer = new PduFramer(1 << 20);
  private waiters: (() => void)[] = [];

  constructor(readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      for (const raw of this.framer.push(chunk)) this.frames.push({ ...readHeader(raw), raw });
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    });
  }

  /** Resolves when at least `count` frames arrived; rejects after `timeoutMs`. */
  async waitFor(count: number, timeoutMs = 5000): Promise<RawFrame[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length < count) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`expected ${count} frames, got ${this.frames.length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.frames;
  }
}

/** A TCP server on 127.0.0.1:0 that hands each accepted socket to the test. */
export async function listenRaw(
  onSocket: (socket: Socket) => void,
): Promise<{ server: Server; port: number }> {
  const server = createServer(onSocket);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no port");
  return { server, port: address.port };
}

export async function connectRaw(port: number): Promise<Socket> {
  const socket = connect({ host: "127.0.0.1", port });
  await once(socket, "connect");
  return socket;
}

export async function closeServer(server: Server): Promise<void> {
  server.close();
  await once(server, "close").catch(() => undefined);
}

const ENQUIRE_LINK_BYTES = 16;

/**
 * Writes enquire_links (sequence 1, 2, …) in 64 KiB chunks, as a peer that never reads would, until its writes
 * stop draining for `stallMs` (the other side stopped reading) — or until `maxBytes` or `maxMs`, whichever first.
 */
export async function floodEnquireLinks(
  socket: Socket,
  limits: { maxBytes: number; stallMs?: number; maxMs?: number },
): Promise<{ sent: number; bytes: number; backedUp: boolean }> {
  const perChunk = 4096;
  const deadline = Date.now() + (limits.maxMs ?? 20_000);
  let sent = 0;
  while (sent * ENQUIRE_LINK_BYTES < limits.maxBytes && Date.now() < deadline) {
    const chunk = Buffer.alloc(perChunk * ENQUIRE_LINK_BYTES);
    for (let i = 0; i < perChunk; i++) {
      chunk.writeUInt32BE(ENQUIRE_LINK_BYTES, i * ENQUIRE_LINK_BYTES);
      chunk.writeUInt32BE(0x00000015, i * ENQUIRE_LINK_BYTES + 4);
      chunk.writeUInt32BE(++sent, i * ENQUIRE_LINK_BYTES + 12);
    }
    if (socket.write(chunk)) continue;
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      once(socket, "drain").then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), limits.stallMs ?? 1000))),
    ]);
    clearTimeout(timer);
    if (!drained) return { sent, bytes: sent * ENQUIRE_LINK_BYTES, backedUp: true };
  }
  return { sent, bytes: sent * ENQUIRE_LINK_BYTES, backedUp: false };
}

/**
 * Counts the enquire_link_resp PDUs arriving on `socket` without keeping them (a flood's answers can be millions),
 * noting the first that is not the answer to the next sequence number in order. Reads only once `start` is called.
 */
export class EnquireLinkAnswers {
  count = 0;
  /** The first answer that was not enquire_link_resp OK for sequence count + 1. */
  unexpected: string | undefined;
  private partial = Buffer.alloc(0);

  constructor(private readonly socket: Socket) {}

  start(): void {
    this.socket.on("data", (chunk: Buffer) => {
      const data = this.partial.length > 0 ? Buffer.concat([this.partial, chunk]) : chunk;
      let offset = 0;
      for (; offset + ENQUIRE_LINK_BYTES <= data.length; offset += ENQUIRE_LINK_BYTES) {
        const { commandId, status, sequence } = readHeader(
          data.subarray(offset, offset + ENQUIRE_LINK_BYTES),
        );
        this.count++;
        if (commandId !== 0x80000015 || status !== 0 || sequence !== this.count) {
          this.unexpected ??= `#${this.count}: id 0x${commandId.toString(16)} status ${status} seq ${sequence}`;
        }
      }
      this.partial = Buffer.from(data.subarray(offset));
    });
  }

  /** Resolves once `count` answers arrived; rejects after `timeoutMs`. */
  async waitFor(count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.count < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} enquire_link_resp, got ${this.count}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
