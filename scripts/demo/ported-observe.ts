/**
 * Which route chose each attempt's carrier, in otpgw's own words: at log level debug, the daemon logs
 * "attempt started" with the choice's explanation (`route id-indosat-subscribers (network 510-01): id-indosat chosen
 * by weight 80 of 100; …`). GET /v1/messages/:id shows an attempt's carrier, not its route: with 80/20 weights a
 * carrier alone cannot tell a ported number's route from its range's; the explanation can. Never throws.
 */
import { readFile } from "node:fs/promises";

/** The daemon's debug line for each attempt it launches (src/delivery/message-processor.ts). */
const ATTEMPT_STARTED = "attempt started";

export type AttemptRoutes = { routes: Map<string, string> } | { error: string };

/** The key of an attempt in attemptRoutes' map: the message id and the attempt's number (AttemptView.n). */
export function attemptKey(messageId: string, n: number): string {
  return `${messageId}#${n}`;
}

/** attemptKey → the route named by the attempt's "attempt started" line, in a log of JSON lines. */
export function attemptRoutes(log: string): Map<string, string> {
  const routes = new Map<string, string>();
  for (const line of log.split("\n")) {
    if (!line.includes(ATTEMPT_STARTED)) continue;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const { msg, messageId, attempt, explain } = entry;
    if (msg !== ATTEMPT_STARTED || typeof messageId !== "string" || typeof attempt !== "number") continue;
    const route = /^route (\S+) /.exec(String(explain))?.[1];
    if (route !== undefined) routes.set(attemptKey(messageId, attempt), route);
  }
  return routes;
}

/** Reads the routes from the daemon's log file. */
export async function readAttemptRoutes(logFile: string): Promise<AttemptRoutes> {
  try {
    return { routes: attemptRoutes(await readFile(logFile, "utf8")) };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
