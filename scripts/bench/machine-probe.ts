/**
 * The machine's speed at the moment, by three fixed pieces of work, printed before and after a bench run: this
 * machine's speed changes by phases (the null relay alone read ~4,300–14,500 msgs/s in different hours), and the
 * ratios move with it — not alike for every relay, as a relay that writes every PDU alone pays the kernel more
 * than one that coalesces its writes. A probe beside every result says which phase it was measured in, so results
 * of different runs can be told apart by more than their date.
 * - JavaScript: a fixed arithmetic loop (one thread, no allocation, no system call): the CPU's own speed.
 * - Loopback writes: 100-byte writes over a TCP connection to this process (TCP_NODELAY, as the bench's ESME):
 *   CPU µs per write, user and system — what the kernel's network path costs now.
 * - fdatasync: small appends to a file, each synced (as Redis's `appendfsync always` does), p50 µs of wall time.
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { createServer, connect, type AddressInfo, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface MachineProbe {
  /** Milliseconds of a fixed arithmetic loop. */
  jsLoopMs: number;
  /** CPU microseconds per 100-byte loopback write (with its reading), user and system. */
  loopbackWriteUs: { user: number; system: number };
  /** Median microseconds of an append and fdatasync (NaN if it could not run). */
  fdatasyncP50Us: number;
}

export interface ProbeSizes {
  loopIterations: number;
  writes: number;
  syncs: number;
}

const DEFAULT_SIZES: ProbeSizes = { loopIterations: 100_000_000, writes: 50_000, syncs: 100 };

function jsLoopMs(iterations: number): number {
  let sum = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sum += i % 7;
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  // The sum is used, so the loop cannot be dropped.
  return sum < 0 ? Number.NaN : ms;
}

async function loopbackWriteUs(writes: number): Promise<MachineProbe["loopbackWriteUs"]> {
  const total = writes * 100;
  let received = 0;
  let settle: (error?: Error) => void = () => undefined;
  // Every byte read back, or a socket failed or closed first: the probe never waits for ever.
  const all = new Promise<void>((resolve, reject) => (settle = (e) => (e ? reject(e) : resolve())));
  all.catch(() => undefined); // awaited below; a failure before then is not unhandled
  const server = createServer((socket) => {
    socket.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (received >= total) settle();
    });
    socket.on("error", (error) => settle(error));
    socket.on("close", () => settle(new Error(`loopback probe: closed after ${received} of ${total} bytes`)));
  });
  let socket: Socket | undefined;
  try {
    await new Promise<void>((resolve, reject) =>
      server.once("error", reject).listen(0, "127.0.0.1", resolve),
    );
    const client = (socket = connect((server.address() as AddressInfo).port, "127.0.0.1"));
    client.on("error", (error) => settle(error));
    await new Promise<void>((resolve, reject) => client.once("connect", resolve).once("error", reject));
    client.setNoDelay(true);
    const payload = Buffer.alloc(100, 0x41);
    const before = process.cpuUsage();
    let sent = 0;
    // 100 writes per turn, so the reads run between them as they would beside a real peer.
    await new Promise<void>((resolve) => {
      const step = (): void => {
        for (let i = 0; i < 100 && sent < writes; i++, sent++) client.write(payload);
        if (sent < writes) setImmediate(step);
        else resolve();
      };
      step();
    });
    await all;
    const used = process.cpuUsage(before);
    return { user: used.user / writes, system: used.system / writes };
  } finally {
    socket?.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function fdatasyncP50Us(syncs: number): number {
  let dir: string | undefined;
  try {
    dir = mkdtempSync(join(tmpdir(), "otpgw-probe-"));
    const fd = openSync(join(dir, "append.log"), "a");
    const line = Buffer.alloc(1400, 0x61);
    const times: number[] = [];
    try {
      for (let i = 0; i < syncs; i++) {
        const started = process.hrtime.bigint();
        writeSync(fd, line);
        fdatasyncSync(fd);
        times.push(Number(process.hrtime.bigint() - started) / 1000);
      }
    } finally {
      closeSync(fd);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)] ?? Number.NaN;
  } catch {
    return Number.NaN;
  } finally {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the three probes, one after another (~0.7 s with the default sizes). */
export async function probeMachine(sizes: ProbeSizes = DEFAULT_SIZES): Promise<MachineProbe> {
  const js = jsLoopMs(sizes.loopIterations);
  const loopback = await loopbackWriteUs(sizes.writes);
  return { jsLoopMs: js, loopbackWriteUs: loopback, fdatasyncP50Us: fdatasyncP50Us(sizes.syncs) };
}

/** One line: `JS loop 205 ms · loopback write 8.6 µs CPU (system 6.6) · fdatasync p50 234 µs`. */
export function formatProbe(probe: MachineProbe): string {
  const { user, system } = probe.loopbackWriteUs;
  const sync = Number.isFinite(probe.fdatasyncP50Us) ? `${Math.round(probe.fdatasyncP50Us)} µs` : "n/a";
  return (
    `JS loop ${Math.round(probe.jsLoopMs)} ms · loopback write ${(user + system).toFixed(1)} µs CPU ` +
    `(system ${system.toFixed(1)}) · fdatasync p50 ${sync}`
  );
}
