/**
 * What the demo must undo, in reverse order of creation: the daemon, the webhook receiver, the simulators,
 * Redis, the temporary files. Runs once whatever happens (normal end, error, Ctrl-C); every step runs even if
 * an earlier one failed, and each is bounded in time so a stuck step cannot hang the exit.
 */

interface Step {
  name: string;
  run: () => Promise<unknown>;
}

/** A step that takes longer than this is abandoned (its process, if any, dies with ours). */
const STEP_TIMEOUT_MS = 15_000;

export class Cleanup {
  private readonly steps: Step[] = [];
  private running: Promise<string[]> | undefined;

  /** Registers a step; steps run last-added first. */
  add(name: string, run: () => Promise<unknown>): void {
    this.steps.push({ name, run });
  }

  /** Runs every step once; resolves with a description of each failure (empty when all went well). */
  run(): Promise<string[]> {
    this.running ??= this.runAll();
    return this.running;
  }

  private async runAll(): Promise<string[]> {
    const failures: string[] = [];
    for (const step of [...this.steps].reverse()) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          step.run(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`took over ${STEP_TIMEOUT_MS} ms`)), STEP_TIMEOUT_MS);
          }),
        ]);
      } catch (error) {
        failures.push(`${step.name}: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        clearTimeout(timer);
      }
    }
    return failures;
  }
}
