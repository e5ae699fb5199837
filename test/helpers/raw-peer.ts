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
