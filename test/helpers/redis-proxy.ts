import { connect, createServer, type Server, type Socket } from "node:net";
import { once } from "node:events";
import { freePort } from "../../scripts/lib/free-port.js";

/**
 * A TCP proxy in front of a Redis, for failures a real server cannot be made to show on cue: `swallowReplies`
 * forwards every command to Redis (which runs it) but drops what Redis answers — the client's view of a call
 * whose outcome it can never learn — and `cut` drops every connection and refuses new ones for a while.
 */
export interface RedisProxy {
  url: string;
  /** From now on Redis's answers are dropped (commands still reach Redis and run). */
  swallowReplies(): void;
  /**
   * New connections go to the Redis on `port` from now on; the open ones stay where they are (as a client's
   * connections do when a failover moves a DNS name to another server).
   */
  retarget(port: number): void;
  /** Closes every connection at once (the client sees a reset) and refuses new ones for `downMs`; then passes all. */
  cut(downMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function startRedisProxy(redisPort: number): Promise<RedisProxy> {
  let upstreamPort = redisPort;
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  let swallowing = false;
  let refusing = false;
  const server: Server = createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = connect({ host: "127.0.0.1", port: upstreamPort });
    const pair = { client, upstream };
    pairs.add(pair);
    client.on("data", (chunk: Buffer) => upstream.write(chunk));
    upstream.on("data", (chunk: Buffer) => {
      if (!swallowing) client.write(chunk);
    });
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  // A port outside the kernel's ephemeral range: `cut` listens on it again, and a port from that range could be
  // taken meanwhile by any outgoing connection.
  const port = await freePort();
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `redis://127.0.0.1:${port}`,
    retarget: (next) => {
      upstreamPort = next;
    },
    swallowReplies: () => {
      swallowing = true;
    },
    cut: async (downMs) => {
      // Not listening while down: a client's connects are refused (as with Redis down), not accepted and closed.
      refusing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const { client, upstream } of pairs) {
        client.resetAndDestroy();
        upstream.destroy();
      }
      pairs.clear();
      await closed;
      await new Promise((r) => setTimeout(r, downMs));
      swallowing = false;
      refusing = false;
      server.listen(port, "127.0.0.1");
      await once(server, "listening");
    },
    close: async () => {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
