/**
 * Polls `condition` (sync or async) every 10 ms until it holds; throws after `timeoutMs` with `what` in the message.
 * Timed on the monotonic clock: a test that steps the wall clock (Date) still gets its timeout.
 */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what = "condition",
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
