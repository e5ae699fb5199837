import type { ChildProcess } from "node:child_process";
import { once } from "node:events";

/**
 * Asks `child` to stop (SIGTERM) and resolves once it has exited; SIGKILL after `graceMs` when given (a child
 * that ignores SIGTERM would otherwise hold up the run forever). At once when it has already exited.
 */
export async function terminate(child: ChildProcess, graceMs?: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = graceMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}
