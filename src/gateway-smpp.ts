/**
 * The gateway's SMPP server for aggregators: its plain (and TLS, when configured) listeners, its TLS certificate
 * watched for SIGHUP, and its place in the shutdown sequence. Part of the composition root (gateway.ts).
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { instanceId } from "./config/instance-id.js";
import { smppTlsMaterial } from "./config/tls-files.js";
import type { DaemonConfig } from "./config/types.js";
import type { DeliveryEngine } from "./delivery/delivery-engine.js";
import type { MessageStore } from "./delivery/message-store.js";
import type { AccountDirectory } from "./north/accounts/account-directory.js";
import type { LookupLimiter } from "./north/accounts/lookup-limit.js";
import type { SubmitCheckDeps } from "./north/http/submit-checks.js";
import { createSmppServer, type SmppServer } from "./north/smpp/smpp-server.js";
import type { Logger } from "./observability/logger.js";
import type { Metrics } from "./observability/metrics.js";
import type { RedisBatch } from "./redis/redis-batch.js";
import type { Reloads } from "./reloads.js";
import type { ShutdownSequence } from "./shutdown-sequence.js";

export interface SmppServerParts {
  daemon: DaemonConfig;
  lookups: LookupLimiter;
  accounts: AccountDirectory;
  delivery: DeliveryEngine;
  redis: Redis;
  batch: RedisBatch;
  store: MessageStore;
  reloads: Reloads;
  closers: ShutdownSequence;
  logger: Logger;
  metrics: Metrics;
  checks: SubmitCheckDeps;
  /** Redis's clock as this process sees it: the receipt stamps' deadlines are judged by it. */
  sharedClock: () => number;
}

/** Starts listening; resolves with the server and its ports once it listens. */
export async function startSmppServer(
  parts: SmppServerParts,
): Promise<{ server: SmppServer; port: number; tlsPort: number | undefined }> {
  const { daemon, accounts, reloads } = parts;
  const material = smppTlsMaterial(daemon);
  const tls =
    daemon.smpp.tls && material
      ? { host: daemon.smpp.host, port: daemon.smpp.tls.port, ...material }
      : undefined;
  const server = createSmppServer({
    lookups: parts.lookups,
    options: {
      host: daemon.smpp.host,
      port: daemon.smpp.port,
      sessionInitMs: daemon.smpp.sessionInitMs,
      maxSessions: daemon.smpp.maxSessions,
      maxUnboundPerAddress: daemon.smpp.maxUnboundPerAddress,
      inactivityMs: daemon.smpp.inactivityMs,
      windowSize: daemon.smpp.windowSize,
      ...(tls ? { tls } : {}),
    },
    authenticate: (systemId, password, ip) => accounts.authenticate(systemId, password, ip),
    accountById: (id) => accounts.byId(id),
    delivery: parts.delivery,
    redis: parts.redis,
    batch: parts.batch,
    deliveryOutboxKey: parts.store.outboxKey,
    keyPrefix: daemon.redisKeyPrefix,
    retentionMs: daemon.retention.messageMs,
    // The receipts' stamp token from the instance id: a restart of this instance takes over what it held.
    instance: createHash("sha256").update(instanceId(daemon)).digest("hex").slice(0, 16),
    logger: parts.logger,
    metrics: parts.metrics,
    sharedClock: parts.sharedClock,
    ...parts.checks,
  });
  const { port, tlsPort } = await server.listen();
  const files = daemon.smpp.tls;
  if (files && material) {
    await reloads.watchTls({
      name: "SMPP TLS certificate",
      use: "smpp_listener",
      files: [files.keyFile, files.certFile],
      installed: material,
      load: () => smppTlsMaterial(daemon)!,
      apply: (m) => server.setTlsCertificate(m),
    });
  }
  parts.closers.add({
    name: "smpp server",
    // close() takes the time allowed (ms from now), not an absolute deadline.
    close: (ms) => server.close(ms),
  });
  return { server, port, tlsPort };
}
