import { LogThrottle } from "../observability/log-throttle.js";
import type { Logger } from "../observability/logger.js";
import {
  SUBMIT_RESULT_RETRY_FOR_MS,
  SUBMIT_RESULT_RETRY_MAX_MS,
  SUBMIT_RESULT_RETRY_MIN_MS,
} from "./submit-results.js";

/** While Redis is unreachable every message's result waits: one line every 10 s says so (the process's own). */
const retryLog = new LogThrottle(10_000);

/**
 * Retries recording a carrier's answer that could not be recorded at once (Redis unreachable): with backoff from
 * 100 ms to 2 s, for as long as the result can still matter (10 min after the answer came); then its DLR deadline
 * decides. The first try is the processor's own (no frame waits here while Redis answers as usual).
 */
export async function retrySubmitResult(
  record: () => Promise<void>,
  context: { clock: () => number; logger: Logger; messageId: string; startedAt: number; firstError: unknown },
): Promise<void> {
  const { clock, logger, messageId } = context;
  let delay = SUBMIT_RESULT_RETRY_MIN_MS;
  const giveUpAt = context.startedAt + SUBMIT_RESULT_RETRY_FOR_MS;
  let error = context.firstError;
  for (;;) {
    if (clock() > giveUpAt) {
      logger.error({ err: error, messageId }, "submit result not recorded; its DLR deadline decides");
      return;
    }
    retryLog.warn(
      logger,
      "",
      { err: (error as Error).message, messageId, retryInMs: delay },
      "cannot record submit result yet (such lines at most every 10 s)",
    );
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, SUBMIT_RESULT_RETRY_MAX_MS);
    try {
      await record();
      return;
    } catch (next) {
      error = next;
    }
  }
}
