import type { PrivateRedis } from "../../scripts/lib/private-redis.js";

/**
 * Traffic across a Redis crash, as the restart tests drive it over HTTP and over SMPP alike: ten senders, each
 * calling `submit(i)` (i counting from 0 across them) and pausing 5 ms, for five seconds or 3000 submits, while
 * `redis` is killed 1.5 s in and started again 0.7 s later. Resolves when both are over, with how many submits
 * were made and when Redis was back (so a test can tell traffic after the restart from traffic before it).
 */
export async function trafficAcrossRedisRestart(
  redis: PrivateRedis,
  submit: (i: number) => Promise<void>,
): Promise<{ sent: number; restartedAt: number }> {
  let restartedAt = Number.POSITIVE_INFINITY;
  let sent = 0;
  const stopAt = Date.now() + 5000;
  const restart = (async () => {
    await new Promise((r) => setTimeout(r, 1500));
    await redis.restart({ downMs: 700 });
    restartedAt = Date.now();
  })();
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (Date.now() < stopAt && sent < 3000) {
        await submit(sent++);
        await new Promise((r) => setTimeout(r, 5));
      }
    }),
  );
  await restart;
  return { sent, restartedAt };
}
