import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { rm } from "node:fs/promises";
import { onTestFinished } from "vitest";

/** When the test finishes: `child` is SIGKILLed (if still running) and waited for, then `dir` is deleted. */
export function killWhenFinished(child: ChildProcess, dir: string): void {
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, "exit");
      child.kill("SIGKILL");
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  });
}
