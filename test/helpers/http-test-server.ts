import { once } from "node:events";
import type { Server } from "node:http";
import { onTestFinished } from "vitest";

/**
 * Listens on 127.0.0.1 (a free port) and closes when the test ends, its connections cut (a receiver that holds
 * them would otherwise keep the close waiting). Returns the port and the close, for tests that close it earlier.
 */
export async function listenForTest(server: Server): Promise<{ port: number; close: () => Promise<void> }> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  onTestFinished(close);
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no address");
  return { port: address.port, close };
}
