/**
 * otpgw's SMPP server for aggregators (issue 4): a plain TCP listener (and optionally a TLS one beside it) where
 * every accepted connection becomes an EsmeSession. Composes the bind handler, the submit handler and the receipt
 * outbox; the gateway passes the dependencies (SmppServerDeps) and has delivery queue a message's receipts with
 * its final state (`prepareReceipt`), or calls `enqueueReceipt` for one found in delivery's outbox. See
 * docs/smpp-server.md.
 */
import { once } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer, type Server as TlsServer } from "node:tls";
import type { PreparedHandOver } from "../../delivery/processor-types.js";
import type { Message } from "../../delivery/types.js";
import { LogThrottle } from "../../observability/log-throttle.js";
import { RedisBatch } from "../../redis/redis-batch.js";
import { monotonicNow } from "../../smpp/session/monotonic-clock.js";
import { BindHandler } from "./bind-handler.js";
import { ConcatStore } from "./concat-store.js";
import { EsmeSession, normaliseAddress, type SessionHost } from "./esme-session.js";
import { OpenSets } from "./open-sets.js";
import type { Account } from "../accounts/account-types.js";
import { LookupLimiter } from "../accounts/lookup-limit.js";
import { QueryHandler } from "./query-handler.js";
import { ReceiptOutbox } from "./receipt-outbox.js";
import { smppKeys } from "./redis-keys.js";
import { smppServerDefaults, type SmppServerDeps, type SmppServerOptions } from "./server-options.js";
import { SubmitHandler } from "./submit-handler.js";

export interface SmppServer {
  /** Starts listening; resolves with the bound ports (useful with port 0). */
  listen(): Promise<{ port: number; tlsPort?: number }>;
  /** A new key and certificate for the TLS listener's next handshakes (open sessions keep theirs). */
  setTlsCertificate(material: { key: Buffer; cert: Buffer }): void;
  /**
   * Stops accepting, unbinds every session (each bounded by the response timeout) and closes them all by
   * `deadlineMs` from now at the latest. Idempotent.
   */
  close(deadlineMs: number): Promise<void>;
  /**
   * Queues the receipt(s) of a final message submitted over SMPP as it leaves delivery's outbox; idempotent per
   * message id. True when the message is out of the outbox (false: skipped, delivery removes it).
   */
  enqueueReceipt(message: Message): Promise<boolean>;
  /**
   * The receipt(s) of a message about to become final, for delivery to queue in the same step as the final
   * state (the message then skips the outbox); undefined when it did not ask for an SMPP receipt.
   */
  prepareReceipt(message: Message): PreparedHandOver | undefined;
  /**
   * The accounts changed (a reload): each bound session continues as the account `stillBound` gives, or is unbound
   * when it gives none (access revoked, password rotated, address no longer allowed). Returns how many were.
   */
  accountsChanged(stillBound: (account: Account, remoteAddress: string) => Account | undefined): number;
  /** Open sessions (bound or not). */
  readonly sessionCount: number;
  /** Receipt jobs this process keeps in memory (held, in flight, answered but not removed): bounded. */
  readonly receiptJobsInMemory: number;
}

export function createSmppServer(deps: SmppServerDeps): SmppServer {
  const options: SmppServerOptions = { ...smppServerDefaults, ...deps.options };
  // Two kinds of clock: a step of the wall clock (NTP, a VM resumed, `date -s`) must neither stall nor expire at once
  // what waits for time to pass here (monotonic); what is stored or compared with other hosts' times is epoch ms —
  // the receipt outbox's on the clock the instances share (sharedClock: Redis's in the daemon), the rest wall clock.
  const clock = deps.clock ?? Date.now;
  const monotonicClock = deps.monotonicClock ?? monotonicNow;
  const logger = deps.logger.child({ component: "smpp-server" });
  const metrics = deps.metrics;
  const keys = smppKeys(deps.keyPrefix);
  const sessions = new Set<EsmeSession>();
  const refusedLog = new LogThrottle(10_000, monotonicClock);
  let nextId = 0;
  let closing: Promise<void> | undefined;

  const binds: BindHandler = new BindHandler({
    options,
    authenticate: deps.authenticate,
    logger,
    ...(metrics && { metrics }),
    clock: monotonicClock,
    onBound: (session) => {
      if (session.isReceiver) outbox.kick(session.systemId, true);
    },
  });
  const outbox = new ReceiptOutbox({
    batch: deps.batch ?? new RedisBatch(deps.redis),
    deliveryOutboxKey: deps.deliveryOutboxKey,
    keys,
    retentionMs: deps.retentionMs,
    maxQueued: options.maxQueuedReceipts,
    retryMs: options.receiptRetryMs,
    answerTimeoutMs: options.responseTimeoutMs,
    accountById: deps.accountById,
    receivers: (systemId) => [...(binds.bound.get(systemId) ?? [])].filter((s) => s.isReceiver),
    hasReceiver: (systemId) => {
      for (const session of binds.bound.get(systemId) ?? []) if (session.isReceiver) return true;
      return false;
    },
    boundSystemIds: () => binds.bound.keys(),
    ...(deps.instance !== undefined && { instance: deps.instance }),
    logger,
    ...(metrics && { metrics }),
    clock: deps.sharedClock ?? clock,
    monotonicClock,
  });
  const submits = new SubmitHandler({
    checks: {
      parseDestination: deps.parseDestination,
      countParts: deps.countParts,
      validity: deps.validity,
      ...(deps.limited && { limited: deps.limited }),
      ...(deps.suspended && { suspended: deps.suspended }),
      ...(deps.blockedRange && { blockedRange: deps.blockedRange }),
    },
    delivery: deps.delivery,
    keyPrefix: deps.keyPrefix,
    concat: new ConcatStore({
      redis: deps.redis,
      keyPrefix: deps.keyPrefix,
      timeoutMs: options.reassemblyTimeoutMs,
    }),
    openSets: new OpenSets({
      timeoutMs: options.reassemblyTimeoutMs,
      maxPerSession: options.maxOpenSetsPerSession,
      max: options.maxOpenSets,
      clock: monotonicClock,
      onDropped: () => metrics?.smppSubmits.inc({ outcome: "set_dropped" }),
    }),
    logger,
    ...(metrics && { metrics }),
    clock,
  });

  const queries = new QueryHandler({
    delivery: deps.delivery,
    lookups: deps.lookups ?? new LookupLimiter(),
    ...(metrics && { metrics }),
  });

  const host: SessionHost = {
    options,
    logger,
    monotonicClock,
    bind: (session, pdu) => binds.bind(session, pdu),
    submit: (session, pdu) => {
      const account = session.account;
      if (!account) throw new Error("submit on a session without an account");
      return submits.handle({ account, systemId: session.systemId, sessionId: session.id }, pdu.raw);
    },
    query: (session, pdu) => {
      const account = session.account;
      if (!account) throw new Error("query on a session without an account");
      return queries.handle(account, pdu.raw);
    },
    refused: (session, reason, status, command, error) => {
      metrics?.smppPdusRefused.inc({ reason });
      // One line per reason and system_id every 10 s (with how many were held back): a peer that sends garbage
      // without binding, or an account over its rate, must not flood the log. The metric counts every one.
      const systemId = session.systemId || undefined;
      const suppressed = refusedLog.passes(`${reason}|${systemId ?? ""}`);
      if (suppressed === undefined) return;
      const err =
        error === undefined ? undefined : error instanceof Error ? error.message : "a non-Error was thrown";
      const fields = { reason, status, command, systemId, suppressed, ...(err !== undefined && { err }) };
      if (err !== undefined) session.logger.error(fields, "PDU refused: request handler failed");
      else session.logger.info(fields, "PDU refused");
    },
    closed: (session, reason) => {
      sessions.delete(session);
      binds.unregister(session);
      metrics?.smppSessions.set(sessions.size);
      session.logger.info({ reason, systemId: session.systemId || undefined }, "session closed");
    },
  };

  const refusalLog = new LogThrottle(60_000, monotonicClock);
  /** Closes a connection as it is accepted; counted, and logged at most once a minute per reason. */
  const refuseConnection = (socket: Socket, reason: string, peer: string): void => {
    socket.destroy();
    metrics?.smppConnectionsRefused.inc({ reason });
    if (!refusalLog.allow(reason)) return;
    logger.warn(
      { reason, peer, sessions: sessions.size, maxSessions: options.maxSessions },
      "SMPP connection refused (logged once a minute per reason; see otpgw_smpp_connections_refused_total)",
    );
  };

  /**
   * TCP connections to the TLS port still in their handshake, by `address:port`: they count as unbound
   * connections of their address (towards maxSessions and maxUnboundPerAddress) until they become sessions.
   */
  const handshakes = new Map<string, { raw: Socket; peer: string; acceptedAt: number }>();
  const endpoint = (socket: Socket): string => `${socket.remoteAddress ?? ""}:${socket.remotePort ?? 0}`;

  /** Applies the connection limits to a newly accepted TCP connection; false when it was refused. */
  const admit = (socket: Socket): boolean => {
    // Until the engine takes the socket over: a reset during accept must not crash the process.
    socket.on("error", () => undefined);
    if (closing) {
      socket.destroy();
      return false;
    }
    const peer = normaliseAddress(socket.remoteAddress ?? "");
    if (sessions.size + handshakes.size >= options.maxSessions) {
      refuseConnection(socket, "too_many_sessions", peer);
      return false;
    }
    let unbound = 0;
    for (const s of sessions) if (s.remoteAddress === peer && !s.engine.isBound) unbound++;
    for (const h of handshakes.values()) if (h.peer === peer) unbound++;
    if (unbound >= options.maxUnboundPerAddress) {
      refuseConnection(socket, "too_many_unbound", peer);
      return false;
    }
    return true;
  };

  /** A connection admitted (and, on the TLS port, through its handshake) becomes a session. */
  const startSession = (socket: Socket, acceptedAt: number): void => {
    if (closing) {
      socket.destroy();
      return;
    }
    const session = new EsmeSession(++nextId, socket, host, acceptedAt);
    sessions.add(session);
    metrics?.smppSessions.set(sessions.size);
  };

  const plain: Server = createServer((socket) => {
    if (admit(socket)) startSession(socket, monotonicClock());
  });
  // The TLS port's TCP connections are admitted like plain ones, before any handshake: a connection that never
  // sends a ClientHello is counted, and dropped after the handshake timeout, which is part of sessionInitMs
  // (the session-init timer runs from the TCP accept). The TLS server itself never listens: it is handed them.
  const secure: TlsServer | undefined = options.tls
    ? createTlsServer(
        { key: options.tls.key, cert: options.tls.cert, handshakeTimeout: options.sessionInitMs },
        (socket) => {
          const key = endpoint(socket);
          const acceptedAt = handshakes.get(key)?.acceptedAt ?? monotonicClock();
          handshakes.delete(key);
          startSession(socket, acceptedAt);
        },
      )
    : undefined;
  const secureListener: Server | undefined = secure
    ? createServer((raw) => {
        if (!admit(raw)) return;
        const key = endpoint(raw);
        handshakes.set(key, {
          raw,
          peer: normaliseAddress(raw.remoteAddress ?? ""),
          acceptedAt: monotonicClock(),
        });
        raw.once("close", () => {
          if (handshakes.get(key)?.raw === raw) handshakes.delete(key);
        });
        secure.emit("connection", raw);
      })
    : undefined;
  // A failed or timed-out handshake is only reported: Node leaves closing the connection to us.
  secure?.on("tlsClientError", (_error, socket) => socket.destroy());
  for (const server of [plain, secureListener]) {
    server?.on("error", (error: Error) => logger.error({ err: error.message }, "SMPP listener error"));
  }

  async function listenOn(server: Server, host: string, port: number): Promise<number> {
    server.listen(port, host);
    await Promise.race([
      once(server, "listening"),
      once(server, "error").then(([error]) => Promise.reject(error as Error)),
    ]);
    const address = server.address();
    if (!address || typeof address === "string") throw new Error("SMPP listener has no port");
    return address.port;
  }

  async function closeServer(server: Server | undefined): Promise<void> {
    if (!server?.listening) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  return {
    get receiptJobsInMemory() {
      return outbox.jobsInMemory;
    },
    get sessionCount() {
      return sessions.size;
    },
    async listen() {
      const port = await listenOn(plain, options.host, options.port);
      outbox.start();
      logger.info({ host: options.host, port }, "SMPP server listening");
      if (!secureListener || !options.tls) return { port };
      const tlsPort = await listenOn(secureListener, options.tls.host ?? options.host, options.tls.port);
      logger.info({ port: tlsPort }, "SMPP TLS listener listening");
      return { port, tlsPort };
    },
    close(deadlineMs) {
      closing ??= (async () => {
        outbox.close();
        const listeners = Promise.all([closeServer(plain), closeServer(secureListener)]);
        for (const { raw } of handshakes.values()) raw.destroy();
        const unbinds = Promise.allSettled([...sessions].map((s) => s.unbind()));
        await Promise.race([unbinds, new Promise((resolve) => setTimeout(resolve, deadlineMs).unref())]);
        for (const session of [...sessions]) session.destroy("server closing");
        await listeners;
      })();
      return closing;
    },
    setTlsCertificate(material) {
      if (!secure) throw new Error("the SMPP server has no TLS listener");
      secure.setSecureContext(material);
    },
    accountsChanged(stillBound) {
      let unbound = 0;
      for (const session of sessions) {
        const account = session.account;
        if (!account) continue;
        const now = stillBound(account, session.remoteAddress);
        if (now) {
          session.account = now;
          continue;
        }
        unbound++;
        session.logger.warn(
          { account: account.id, systemId: session.systemId },
          "the account's SMPP access changed (accounts.yaml reloaded): unbinding",
        );
        void session.unbind();
      }
      return unbound;
    },
    enqueueReceipt: (message) => outbox.queueing.enqueue(message),
    prepareReceipt: (message) => outbox.queueing.prepare(message),
  };
}
