import { once } from "node:events";
import { readFileSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";

/** A TCP port free on 127.0.0.1 right now, for a program that cannot listen on port 0 and report it. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}

/**
 * `count` different TCP ports free on 127.0.0.1 right now, for programs told their port before they listen.
 *
 * Picked below the kernel's ephemeral range: a port from that range (what listening on port 0 gives) can be taken
 * between the pick and the listen by any outgoing connection on the machine, whose local port comes from the same
 * range — with tests running side by side, a daemon then failed to start with EADDRINUSE. Below it, only another
 * picker can take the port: each process picks from its own slice (by vitest worker, else by pid), starting at a
 * random place and moving on, and the ports are held open together while they are picked. Two vitest runs at once
 * (or a child inheriting VITEST_POOL_ID) share slices: their random starts keep a collision unlikely, not impossible.
 */
export async function freePorts(count: number): Promise<number[]> {
  const held: Server[] = [];
  try {
    let taken = 0;
    while (held.length < count) {
      const server = await listenOn(nextCandidate());
      if (server) held.push(server);
      else if (++taken > PICK_TRIES)
        throw new Error(`no free port found on 127.0.0.1: ${taken} taken in a row`);
    }
    return held.map((server) => (server.address() as { port: number }).port);
  } finally {
    await Promise.all(held.map((server) => new Promise<void>((done) => server.close(() => done()))));
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:`port` right now. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

const PICK_TRIES = 200;
/** The lowest port picked: above the registered services a developer's machine may run. */
const LOWEST = 20_000;
const SLICES = 16;

/** The kernel's ephemeral port range (Linux), or the usual one where it cannot be read. */
export function ephemeralPortRange(): [number, number] {
  try {
    const [low, high] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8")
      .trim()
      .split(/\s+/)
      .map(Number);
    if (Number.isInteger(low) && Number.isInteger(high)) return [low!, high!];
  } catch {
    // not Linux: the IANA range is the usual default elsewhere
  }
  return [49_152, 65_535];
}

/**
 * Slice `index` (modulo SLICES) of the ports between LOWEST and the ephemeral range's start: [first port, size]. A
 * kernel giving out (nearly) every port leaves no quiet range: the slices then divide the whole range above 1023.
 */
export function portSlice(ephemeralLow: number, index: number): [number, number] {
  const below = ephemeralLow - LOWEST;
  const [start, size] = below >= SLICES * 100 ? [LOWEST, below] : [1024, 65_536 - 1024];
  const sliceSize = Math.floor(size / SLICES);
  return [start + (index % SLICES) * sliceSize, sliceSize];
}

let slice: [number, number] | undefined;
let cursor: number | undefined;

/** This process's slice of ports, [first port, size]: the picker moves on through it, wrapping at its end. */
export function pickerSlice(): [number, number] {
  if (!slice) {
    const worker = Number(process.env.VITEST_POOL_ID);
    slice = portSlice(ephemeralPortRange()[0], Number.isInteger(worker) && worker > 0 ? worker : process.pid);
  }
  return slice;
}

function nextCandidate(): number {
  const [first, size] = pickerSlice();
  cursor = cursor === undefined ? Math.floor(Math.random() * size) : (cursor + 1) % size;
  return first + cursor;
}

async function listenOn(port: number): Promise<Server | undefined> {
  const server = createServer().listen(port, "127.0.0.1");
  try {
    await once(server, "listening");
    return server;
  } catch {
    server.close();
    return undefined; // taken (EADDRINUSE): the next one
  }
}
