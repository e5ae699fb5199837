import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { onTestFinished } from "vitest";
import { freePort } from "../../scripts/lib/free-port.js";
import { readFileSync } from "node:fs";
import { startPrivateRedis, type PrivateRedis } from "../../scripts/lib/private-redis.js";
import { redisTlsArgs, type TestCertificates } from "./tls-certificates.js";
import { killWhenFinished } from "./child-cleanup.js";
import { waitUntil } from "./wait.js";

export const SENTINEL_MASTER = "otpgw-test";

/**
 * A primary, `replicas` replicas in sync with it and one Redis Sentinel watching them (quorum 1, a primary
 * unreachable for 500 ms is down), all on 127.0.0.1 and stopped when the test finishes. `url` is the
 * redis+sentinel:// URL otpgw is given. Replicas accept DEBUG (a test can make one sleep).
 * With `tls`: the servers replicate and the sentinel talks over TLS, client certificates required; otpgw is given
 * the sentinel's TLS port only (`rediss+sentinel://`); the servers keep a plain port for the test's admin clients.
 */
export async function sentinelGroup(replicas: number, options: { tls?: TestCertificates } = {}) {
  const certs = options.tls;
  const tlsArgs = async (): Promise<{ dataPort: number; args: string[] }> => {
    if (!certs) return { dataPort: 0, args: [] };
    const dataPort = await freePort();
    return { dataPort, args: [...redisTlsArgs(certs, dataPort, true), "--tls-replication", "yes"] };
  };
  // Replicas sync at once (Redis waits 5 s by default for more replicas to share a snapshot).
  const primaryTls = await tlsArgs();
  const primary = await startPrivateRedis({
    appendfsync: "always",
    extraArgs: ["--repl-diskless-sync-delay", "0", ...primaryTls.args],
  });
  onTestFinished(() => primary.stop());
  /** The port the sentinel and otpgw reach the primary on. */
  const primaryDataPort = certs ? primaryTls.dataPort : primary.port;
  const replicaServers: PrivateRedis[] = [];
  /** The ports the sentinel and otpgw reach each replica on (its TLS port with `tls`). */
  const replicaDataPorts: number[] = [];
  for (let i = 0; i < replicas; i++) {
    const replicaTls = await tlsArgs();
    const replica = await startPrivateRedis({
      appendfsync: "always",
      extraArgs: [
        ...["--replicaof", "127.0.0.1", String(primaryDataPort), "--enable-debug-command", "local"],
        ...replicaTls.args,
      ],
    });
    onTestFinished(() => replica.stop());
    replicaServers.push(replica);
    replicaDataPorts.push(certs ? replicaTls.dataPort : replica.port);
  }
  const admin = (server: PrivateRedis): Redis => {
    const client = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => null });
    client.on("error", () => undefined);
    onTestFinished(() => client.disconnect());
    return client;
  };
  const primaryAdmin = admin(primary);
  await waitUntil(
    async () => (await primaryAdmin.info("replication")).match(/state=online/g)?.length === replicas,
    10_000,
    "the replicas in sync",
  );

  const dir = await mkdtemp(join(tmpdir(), "otpgw-sentinel-"));
  const port = await freePort();
  const conf = join(dir, "sentinel.conf");
  await writeFile(
    conf,
    [
      ...(certs
        ? [
            "port 0",
            `tls-port ${port}`,
            `tls-cert-file ${certs.serverCertFile}`,
            `tls-key-file ${certs.serverKeyFile}`,
            `tls-ca-cert-file ${certs.caFile}`,
            "tls-auth-clients yes",
            "tls-replication yes",
          ]
        : [`port ${port}`]),
      "bind 127.0.0.1",
      `dir ${dir}`,
      `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${primaryDataPort} 1`,
      `sentinel down-after-milliseconds ${SENTINEL_MASTER} 500`,
      `sentinel failover-timeout ${SENTINEL_MASTER} 5000`,
      "",
    ].join("\n"),
  );
  const sentinel: ChildProcess = spawn("redis-server", [conf, "--sentinel", "--loglevel", "warning"], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  killWhenFinished(sentinel, dir);
  const sentinelAdmin = new Redis({
    port,
    host: "127.0.0.1",
    maxRetriesPerRequest: 1,
    ...(certs && {
      tls: {
        ca: readFileSync(certs.caFile),
        cert: readFileSync(certs.clientCertFile),
        key: readFileSync(certs.clientKeyFile),
      },
    }),
  });
  sentinelAdmin.on("error", () => undefined);
  onTestFinished(() => sentinelAdmin.disconnect());
  /** The primary's port as the sentinel knows it now. */
  const primaryPort = async (): Promise<number> => {
    const [, reply] = (await sentinelAdmin.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", SENTINEL_MASTER)) as [
      string,
      string,
    ];
    return Number(reply);
  };
  await waitUntil(
    async () =>
      (await primaryPort().catch(() => 0)) === primaryDataPort &&
      new RegExp(`num-slaves\\s+${replicas}\\b`).test(
        ((await sentinelAdmin.call("SENTINEL", "MASTER", SENTINEL_MASTER)) as string[]).join(" "),
      ),
    10_000,
    "the sentinel watching the primary and its replicas",
  );
  return {
    url: `${certs ? "rediss" : "redis"}+sentinel://127.0.0.1:${port}/${SENTINEL_MASTER}`,
    primary,
    replicas: replicaServers,
    replicaDataPorts,
    admin,
    primaryPort,
  };
}
