import type { Logger } from "./observability/logger.js";

/** One step of the shutdown: it gets the time left of the whole shutdown (ms from now) and must end within it. */
export interface ShutdownStep {
  name: string;
  close: (remainingMs: number) => Promise<void>;
}

/**
 * The daemon's shutdown: steps added in start order run in reverse, one after another, within ONE deadline — each
 * gets what the steps before it left, so a slow webhook receiver and a slow carrier do not each take the whole
 * `shutdown_timeout_ms`. A step that fails is logged and the next one runs.
 */
export class ShutdownSequence {
  private readonly steps: ShutdownStep[] = [];

  add(step: ShutdownStep): void {
    this.steps.push(step);
  }

  /** Runs every step (most recently added first) within `timeoutMs`; never throws. */
  async run(timeoutMs: number, logger: Logger): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.close(Math.max(0, deadline - Date.now()));
      } catch (error) {
        logger.error({ err: error, component: step.name }, "error while closing");
      }
    }
  }
}

/**
 * The carrier binds' step: bind-slot leases are renewed while the binds drain, then released (another instance
 * binds at once), then delivery lets go of what it still waits for.
 */
export function carrierBindsStep(parts: {
  slots: { stopAcquiring(): void; close(ms: number): Promise<void> };
  pools: Iterable<{ close(ms: number): Promise<void> }>;
  delivery: { detach(ms: number): Promise<void> };
}): ShutdownStep {
  return {
    name: "carrier binds",
    close: async (ms) => {
      const deadline = Date.now() + ms;
      parts.slots.stopAcquiring();
      await Promise.allSettled([...parts.pools].map((p) => p.close(ms)));
      // A moment for the release even when draining took the whole budget: else the slots wait out their leases.
      await parts.slots.close(Math.max(250, deadline - Date.now()));
      await parts.delivery.detach(Math.max(0, deadline - Date.now()));
    },
  };
}
