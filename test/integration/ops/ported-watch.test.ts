import { describe, expect, it } from "vitest";
import { createLogger } from "../../../src/observability/logger.js";
import { createMetrics } from "../../../src/observability/metrics.js";
import { logEnd, portedLogKey, readLogSince } from "../../../src/ops/ported-log.js";
import {
  removePortedNumbers,
  replacePortedNumbers,
  writePortedNumbers,
} from "../../../src/ops/ported-store.js";
import { PortedWatch } from "../../../src/ops/ported-watch.js";
import { NetworkPlan, type PortedLookup } from "../../../src/routing/networks.js";
import { testRedis } from "../../helpers/redis.js";

const plan = new NetworkPlan([
  { mccmnc: "450-05", name: "SKT", country: "KR", prefixes: [] },
  { mccmnc: "450-08", name: "KT", country: "KR", prefixes: [] },
]);
const A = "+821011110001";
const B = "+821011110002";
const C = "+821011110003";

async function watched() {
  const redis = await testRedis();
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    level: "info",
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  const metrics = createMetrics();
  let ported: PortedLookup = { networkOf: () => undefined };
  const watch = new PortedWatch({
    redis: redis.client,
    prefix: redis.prefix,
    routes: { usePorted: (p) => void (ported = p), current: { networks: plan } },
    logger,
    metrics,
    pollMs: 60_000, // the test polls
  });
  const gauge = async () => (await metrics.portedNumbers.get()).values[0]?.value;
  const networkOf = (e164: string) => ported.networkOf(e164);
  const messages = () => lines.map((l) => String(l.msg).split(":")[0]);
  return { redis, watch, gauge, networkOf, messages, lines };
}

describe("the daemon's ported numbers follow the store through its change log", () => {
  it("applies small changes as logged, reads everything again after a replacing import, and after a trimmed log", async () => {
    const { redis, watch, gauge, networkOf, messages, lines } = await watched();
    await writePortedNumbers(
      redis.client,
      redis.prefix,
      [
        [A, "450-05"],
        [B, "450-05"],
      ],
      "noc",
    );
    await watch.start();
    expect([networkOf(A), networkOf(B), networkOf(C)]).toEqual(["450-05", "450-05", undefined]);
    expect(await gauge()).toBe(2);

    await writePortedNumbers(
      redis.client,
      redis.prefix,
      [
        [B, "450-08"],
        [C, "450-08"],
      ],
      "noc",
    );
    await removePortedNumbers(redis.client, redis.prefix, [A], "noc");
    await watch.pollNow();
    expect([networkOf(A), networkOf(B), networkOf(C)]).toEqual([undefined, "450-08", "450-08"]);
    expect(await gauge()).toBe(2);
    expect(messages()).toEqual(["ported numbers loaded", "ported numbers changed"]);
    expect(lines[1]).toMatchObject({ changed: 3, numbers: 2, by: "noc" });

    // Nothing new: no read at all.
    await watch.pollNow();
    expect(messages()).toHaveLength(2);

    await replacePortedNumbers(redis.client, redis.prefix, [[A, "450-08"]], "import");
    await watch.pollNow();
    expect([networkOf(A), networkOf(B), networkOf(C)]).toEqual(["450-08", undefined, undefined]);
    expect(messages().at(-1)).toBe("ported numbers loaded");
    expect(await gauge()).toBe(1);

    // Entries trimmed from the log before this instance applied them: it cannot trust the log, and reads whole.
    await writePortedNumbers(redis.client, redis.prefix, [[B, "450-05"]], "noc");
    await redis.client.xtrim(portedLogKey(redis.prefix), "MAXLEN", 0);
    await watch.pollNow();
    expect(messages().at(-1)).toBe("ported numbers loaded");
    expect([networkOf(A), networkOf(B)]).toEqual(["450-08", "450-05"]);
    expect(await gauge()).toBe(2);
    await watch.close();
  });

  it("tells why the numbers must be read whole", async () => {
    const redis = await testRedis();
    const start = await logEnd(redis.client, redis.prefix);
    expect(start).toEqual({ id: "0-0", added: 0 });
    expect(await readLogSince(redis.client, redis.prefix, start)).toEqual({
      kind: "full",
      why: "the change log cannot be read",
    });
    await writePortedNumbers(redis.client, redis.prefix, [[A, "450-05"]], "noc");
    const read = await readLogSince(redis.client, redis.prefix, start);
    expect(read).toMatchObject({ kind: "changes", changes: [[A, "450-05"]], position: { added: 1 } });
    const since = read.kind === "changes" ? read.position : start;
    expect(since).toEqual(await logEnd(redis.client, redis.prefix));
    expect(await readLogSince(redis.client, redis.prefix, since)).toEqual({
      kind: "changes",
      changes: [],
      position: since,
    });
    await writePortedNumbers(redis.client, redis.prefix, [[B, "450-05"]], "noc");
    await writePortedNumbers(redis.client, redis.prefix, [[C, "450-05"]], "noc");
    await redis.client.xtrim(portedLogKey(redis.prefix), "MAXLEN", 1);
    expect(await readLogSince(redis.client, redis.prefix, since)).toEqual({
      kind: "full",
      why: "changes were trimmed from the log",
    });
    await replacePortedNumbers(redis.client, redis.prefix, [], "import");
    expect(
      await readLogSince(redis.client, redis.prefix, await logEnd(redis.client, redis.prefix)),
    ).toMatchObject({
      kind: "changes",
      changes: [],
    });
    const beforeReplace = await logEnd(redis.client, redis.prefix);
    await replacePortedNumbers(redis.client, redis.prefix, [], "import");
    expect(await readLogSince(redis.client, redis.prefix, beforeReplace)).toEqual({
      kind: "full",
      why: "a large or replacing import",
    });
  });
});
