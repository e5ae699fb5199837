/**
 * The store's Redis cost per message, alone: what the SMPP path's four writes (create with the first attempt,
 * the carrier's acceptance, the final state with its receipt job, the receipt's removal) cost Redis, through the
 * real MessageStore and group commit, with nothing else on the machine's cores competing. Its figures — Redis
 * CPU, script and command time, commands and append-only-file bytes per message — move far less between runs
 * than the end-to-end scenarios, so a change to the store's scripts or payloads can be judged here. Run with the
 * AOF (as configured by --fsync) and without it, to show what durability costs Redis.
 */
import { Redis } from "ioredis";
import { performance } from "node:perf_hooks";
import { MessageStore } from "../../src/delivery/message-store.js";
import { RECEIPTS_REMOVE } from "../../src/north/smpp/receipt-scripts.js";
import { RedisBatch } from "../../src/redis/redis-batch.js";
import { startPrivateRedis, type PrivateRedis } from "../lib/private-redis.js";
import { BENCH_DLR_TIMEOUT_MS, BENCH_TEXT, benchDelivered, benchFirstAttempt } from "./bench-message.js";
import { renderTable } from "../lib/table.js";
import { processCpuMs } from "./proc-stats.js";
import { redisCommandStats, redisInfoNumber, redisInfoText, redisPid } from "./redis-info.js";

export interface StoreBenchOptions {
  /** Messages measured per configuration, in waves of 100. */
  messages: number;
  appendfsync: "always" | "everysec";
  /** Messages written before measuring (JIT, Redis's dictionaries). Default 2,000. */
  warmUp?: number;
}

export interface StoreRun {
  redis: string;
  messages: number;
  msgsPerSecond: number;
  /** Redis's CPU (user + system) per message, µs. */
  redisCpuUs: number;
  /** Time inside the batch script per message (INFO commandstats, evalsha), µs. */
  scriptUs: number;
  /** Time of the commands the script ran per message, µs. */
  commandsUs: number;
  commandsPerMessage: number;
  /** Append-only file growth per message, bytes (0 without AOF). */
  aofBytes: number;
  /**
   * Redis memory each message still holds once final and its receipt answered (its document and carrier-id key,
   * kept for the message retention), bytes: used_memory's growth over the measured messages.
   */
  retainedBytes: number;
  /** This process's CPU per message (store, batch, ioredis, the lifecycle calls), µs. */
  clientCpuUs: number;
  scriptCalls: number;
}

const WAVE = 100;
/** Each configuration stops here even if its messages are not all done (a very slow machine). */
const MAX_MS = 60_000;
const RETENTION = { bodyMs: 0, messageMs: 86_400_000, idempotencyMs: 86_400_000, correlationMs: 86_400_000 };

const round = (n: number, digits = 1): number => Number(n.toFixed(digits));

/** One message's writes, as delivery and the receipt queue make them for an SMPP submit delivered at once. */
async function oneMessage(store: MessageStore, batch: RedisBatch, list: string, n: number): Promise<void> {
  const now = Date.now();
  const id = `b${now.toString(36)}${n.toString(36).padStart(7, "0")}`;
  const first = benchFirstAttempt(id, n, now);
  await store.create(first, BENCH_TEXT, now + BENCH_DLR_TIMEOUT_MS, {
    rate: { key: "bench:ratelimit:bench", perSecond: 1_000_000 },
  });
  const carrierMessageId = n.toString(16).padStart(12, "0");
  await store.recordAccepted(id, 1, 0, "bench", carrierMessageId);
  const { final, jobs: items } = benchDelivered(first, carrierMessageId, now);
  await store.update(1, {
    message: final,
    timerAt: null,
    final: true,
    // As the receipt queue asks on a busy list: the expiry pushed forward once a second (here every 1,000th).
    handOver: { list, items, ttlMs: 86_400_000, refreshExpiry: n % 1000 === 0, maxLength: 1_000_000 },
    deferred: true, // the acceptance, the final state and the removal are deferred, as in delivery (RedisBatch.defer)
  });
  await batch.defer(RECEIPTS_REMOVE.op, [list], items);
}

/**
 * A replica of `primary` (AOF as the primary's), in sync when this resolves; for `redis_wait_replicas`' cost.
 */
async function startReplica(
  primary: PrivateRedis,
  appendfsync: "always" | "everysec",
): Promise<PrivateRedis> {
  const replica = await startPrivateRedis({
    appendfsync,
    extraArgs: ["--replicaof", "127.0.0.1", String(primary.port)],
  });
  const deadline = performance.now() + 20_000;
  while (!/state=online/.test(redisInfoText(primary.port, "replication"))) {
    if (performance.now() > deadline) throw new Error("the bench's replica did not get in sync within 20 s");
    await new Promise((r) => setTimeout(r, 50));
  }
  return replica;
}

/**
 * One configuration: a Redis of its own with or without the append-only file; `waitReplica`: with a replica on
 * this machine, each call waiting for it as `redis_wait_replicas: 1` does (Redis CPU is the primary's).
 */
export async function measureStore(
  appendonly: boolean,
  options: StoreBenchOptions,
  waitReplica = false,
): Promise<StoreRun> {
  const server = await startPrivateRedis({
    appendfsync: options.appendfsync,
    appendonly,
    // The replica gets its snapshot at once (Redis waits 5 s by default for more replicas to share one).
    ...(waitReplica && { extraArgs: ["--repl-diskless-sync-delay", "0"] }),
  });
  const replica = waitReplica ? await startReplica(server, options.appendfsync) : undefined;
  const redis = new Redis(server.url, { lazyConnect: true });
  try {
    await redis.connect();
    const pid = redisPid(server.port);
    const batch = new RedisBatch(
      redis,
      undefined,
      waitReplica ? { wait: { replicas: 1, timeoutMs: 5000 } } : {},
    );
    batch.define(RECEIPTS_REMOVE.op, RECEIPTS_REMOVE.lua);
    const store = new MessageStore({ redis, prefix: "bench:", retention: RETENTION, batch });
    const list = "bench:smpp:receipts:bench";
    const wave = async (from: number): Promise<void> => {
      await Promise.all(Array.from({ length: WAVE }, (_, k) => oneMessage(store, batch, list, from + k)));
    };
    for (let n = 0; n < (options.warmUp ?? 2000); n += WAVE) await wave(10_000_000 + n);
    await redis.config("RESETSTAT");
    const aofBefore = appendonly ? redisInfoNumber(server.port, "persistence", "aof_current_size") : 0;
    const memoryBefore = redisInfoNumber(server.port, "memory", "used_memory");
    const callsBefore = batch.calls;
    const redisBefore = processCpuMs(pid);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    let done = 0;
    while (done < options.messages && performance.now() - started < MAX_MS) {
      await wave(done);
      done += WAVE;
    }
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const redisMs = processCpuMs(pid) - redisBefore;
    const aofAfter = appendonly ? redisInfoNumber(server.port, "persistence", "aof_current_size") : 0;
    const memoryAfter = redisInfoNumber(server.port, "memory", "used_memory");
    let scriptUsec = 0;
    let commandUsec = 0;
    let commands = 0;
    for (const [name, { calls, usec }] of redisCommandStats(server.port)) {
      if (name === "evalsha" || name === "eval") scriptUsec += usec;
      else if (name !== "info" && name !== "config") {
        commands += calls;
        commandUsec += usec;
      }
    }
    const label = appendonly ? `AOF, appendfsync ${options.appendfsync}` : "no AOF (no durability)";
    return {
      redis: waitReplica ? `${label}, WAIT 1 replica` : label,
      messages: done,
      msgsPerSecond: Math.round((done * 1000) / wallMs),
      redisCpuUs: round((redisMs * 1000) / done),
      scriptUs: round(scriptUsec / done),
      commandsUs: round(commandUsec / done),
      commandsPerMessage: round(commands / done, 2),
      aofBytes: Math.round((aofAfter - aofBefore) / done),
      retainedBytes: Math.round((memoryAfter - memoryBefore) / done),
      clientCpuUs: round((cpu.user + cpu.system) / done),
      scriptCalls: batch.calls - callsBefore,
    };
  } finally {
    redis.disconnect();
    await replica?.stop();
    await server.stop();
  }
}

export async function runStoreBench(options: StoreBenchOptions): Promise<{ runs: StoreRun[] }> {
  const runs = [
    await measureStore(true, options),
    await measureStore(true, options, true),
    await measureStore(false, options),
  ];
  console.log(
    `\nStore writes per message, alone (create with the first attempt, carrier acceptance, final state with its ` +
      `receipt job, receipt removal) through MessageStore's group commit to a Redis of its own; ` +
      `${options.messages} messages in waves of ${WAVE}, this process and Redis only.`,
  );
  console.log(
    renderTable(
      [
        "redis",
        "msgs/s",
        "Redis CPU µs/msg",
        "script µs/msg",
        "commands µs/msg",
        "commands/msg",
        "AOF bytes/msg",
        "kept bytes/msg",
        "client CPU µs/msg",
        "script calls",
      ],
      runs.map((r) => [
        r.redis,
        r.msgsPerSecond,
        r.redisCpuUs,
        r.scriptUs,
        r.commandsUs,
        r.commandsPerMessage,
        r.aofBytes,
        r.retainedBytes,
        r.clientCpuUs,
        r.scriptCalls,
      ]),
    ),
  );
  console.log(
    "Script time includes the commands it ran; Redis CPU beyond the script is reading calls, answering and " +
      "(with AOF) writing and fsyncing the file. Kept bytes: what each final message still holds in Redis (its " +
      "document and carrier-id key) for the message retention. WAIT 1 replica: a replica on this machine, every " +
      "call acknowledged once it has the writes (redis_wait_replicas: 1); the CPU shown is the primary's.",
  );
  return { runs };
}
