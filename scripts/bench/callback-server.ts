import { once } from "node:events";
import { createServer, type RequestListener } from "node:http";

/**
 * The bench's endpoint for the callbacks a scenario sends back (webhooks, Kannel's dlr-url) on 127.0.0.1, a port
 * of its own. The sender keeps its connections alive, so the server's default keep-alive timeout must not cut
 * them; `close` drops them too, so the bench does not wait for the sender to hang up.
 */
export async function startCallbackServer(
  handler: RequestListener,
): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createServer(handler);
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no port");
  return {
    port: address.port,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
