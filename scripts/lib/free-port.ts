import { once } from "node:events";
import { connect, createServer } from "node:net";

/** A TCP port free on 127.0.0.1 right now, for a program that cannot listen on port 0 and report it. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}

/**
 * `count` different TCP ports free on 127.0.0.1 right now: held open together while they are picked, since two
 * calls of `freePort` one after the other may get the same port back (it was free again at once).
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer().listen(0, "127.0.0.1"));
  try {
    await Promise.all(
      servers.map((server) => (server.listening ? Promise.resolve() : once(server, "listening"))),
    );
    return servers.map((server) => {
      const address = server.address();
      if (!address || typeof address === "string") throw new Error("no free port");
      return address.port;
    });
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((done) => server.close(() => done()))));
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
