/**
 * The SMPP server on 127.0.0.1:0 with an in-memory DeliveryService, a real Redis (testRedis), the real numbering
 * plan and an in-test authenticator (the contract of src/north/accounts/smpp-auth.ts), plus ESME helpers: a
 * node-smpp client (the well-behaved ESME) and raw sockets for malformed input.
 */
import { once } from "node:events";
import type { Socket } from "node:net";
import smpp from "smpp";
import { onTestFinished } from "vitest";
import type { Account } from "../../../src/north/accounts/account-types.js";
import { createSmppServer, type SmppServer } from "../../../src/north/smpp/smpp-server.js";
import type { AuthenticateBind, SmppServerOptions } from "../../../src/north/smpp/server-options.js";
import { createMetrics, type Metrics } from "../../../src/observability/metrics.js";
import { silentLogger, type Logger } from "../../../src/observability/logger.js";
import { parseDestination } from "../../../src/routing/numbering.js";
import { SmppStatus } from "../../../src/smpp/command-status.js";
import { segmentText } from "../../../src/smpp/segmentation.js";
import { encodePdu } from "../../../src/smpp/session/pdu-codec.js";
import { connectRaw, FrameCollector } from "../../helpers/raw-peer.js";
import { testRedis } from "../../helpers/redis.js";
import { MemoryDelivery } from "../north/memory-delivery.js";

export const PASSWORD = "s3cret";

export function account(
  overrides: Partial<Account> = {},
  smppOverrides: Partial<NonNullable<Account["smpp"]>> = {},
): Account {
  return {
    id: "acme",
    apiKeyDigests: [],
    webhookSecret: "x",
    senders: ["AcmeOTP", "62811*"],
    ratePerSecond: 1000,
    ...overrides,
    smpp: {
      systemId: "acme",
      passwordHash: "unused-in-tests",
      allowedIps: ["127.0.0.0/8"],
      maxBinds: 3,
      receipts: true,
      ...smppOverrides,
    },
  };
}

/** What smpp-auth.ts will do, minus scrypt: plain password, IPs by prefix of the CIDR's first octets. */
export function testAuthenticator(accounts: readonly Account[]): AuthenticateBind {
  return (systemId, password, remoteAddress) => {
    const found = accounts.find((a) => a.smpp?.systemId === systemId);
    if (!found?.smpp)
      return Promise.resolve({ ok: false, status: SmppStatus.ESME_RINVSYSID, reason: "unknown system_id" });
    if (password !== PASSWORD)
      return Promise.resolve({ ok: false, status: SmppStatus.ESME_RINVPASWD, reason: "wrong password" });
    const allowed = found.smpp.allowedIps.some((cidr) =>
      remoteAddress.startsWith(cidr.split("/")[0]!.replace(/(\.0)+$/, ".")),
    );
    if (!allowed)
      return Promise.resolve({ ok: false, status: SmppStatus.ESME_RBINDFAIL, reason: "IP not allowed" });
    return Promise.resolve({ ok: true, account: found });
  };
}

export interface Fixture {
  server: SmppServer;
  port: number;
  /** The TLS listener's port, when the server was given one. */
  tlsPort?: number;
  delivery: MemoryDelivery;
  metrics: Metrics;
  redis: Awaited<ReturnType<typeof testRedis>>;
  accounts: Account[];
}

export async function startServer(
  options: {
    accounts?: Account[];
    server?: Partial<SmppServerOptions>;
    authenticate?: AuthenticateBind;
    /** Another fixture's Redis and key prefix: a second otpgw instance sharing its state. */
    redis?: Fixture["redis"];
    /** The server's logger (default: silent). */
    logger?: Logger;
    /** The receipt outbox's clock (the daemon's is Redis's: RedisClock); default the server's own. */
    sharedClock?: () => number;
  } = {},
): Promise<Fixture> {
  const redis = options.redis ?? (await testRedis());
  const accounts = options.accounts ?? [account()];
  const delivery = new MemoryDelivery();
  const metrics = createMetrics();
  const server = createSmppServer({
    options: { host: "127.0.0.1", port: 0, failedBindDelayMs: 50, receiptRetryMs: 200, ...options.server },
    authenticate: options.authenticate ?? testAuthenticator(accounts),
    accountById: (id) => accounts.find((a) => a.id === id),
    delivery,
    parseDestination,
    countParts: (text) => segmentText(text, 0).parts.length,
    validity: () => ({ defaultSeconds: 300, maxSeconds: 600, minSeconds: 11 }),
    redis: redis.client,
    deliveryOutboxKey: `${redis.prefix}outbox`,
    keyPrefix: redis.prefix,
    retentionMs: 3_600_000,
    logger: options.logger ?? silentLogger(),
    metrics,
    ...(options.sharedClock && { sharedClock: options.sharedClock }),
  });
  const { port, tlsPort } = await server.listen();
  onTestFinished(() => server.close(500));
  return { server, port, ...(tlsPort !== undefined ? { tlsPort } : {}), delivery, metrics, redis, accounts };
}

/** A node-smpp client session with promise helpers: the well-behaved ESME. */
export class Esme {
  readonly deliveries: smpp.PDU[] = [];
  /** The status our deliver_sm_resp carries (tests change it). */
  receiptAnswer = 0;
  closed = false;

  private constructor(readonly session: smpp.Session) {
    session.on("deliver_sm", (pdu: smpp.PDU) => {
      this.deliveries.push(pdu);
      session.send(pdu.response({ command_status: this.receiptAnswer, message_id: "" }));
    });
    session.on("close", () => (this.closed = true));
    session.on("error", () => undefined);
  }

  /** The receipts received so far: per receipted message id (TLV), the `stat:` of each, in order of arrival. */
  receiptStats(): Map<string, string[]> {
    const byId = new Map<string, string[]>();
    for (const pdu of this.deliveries) {
      const rid = pdu.receipted_message_id;
      const id = (typeof rid === "string" ? rid : "").replace(/\0$/, "");
      const text = (pdu.short_message as { message?: string } | undefined)?.message ?? "";
      byId.set(id, [...(byId.get(id) ?? []), /stat:(\w+)/.exec(text)?.[1] ?? "?"]);
    }
    return byId;
  }

  static async connect(port: number, localAddress = "127.0.0.1"): Promise<Esme> {
    const session = smpp.connect({ host: "127.0.0.1", port, localAddress });
    await once(session, "connect");
    return Esme.forTest(session);
  }

  /** Over TLS, trusting whatever certificate the server shows (the tests' are self-signed). */
  /** Over TLS; with `ca`, the server's certificate must chain to it and name 127.0.0.1 (else it is not checked). */
  static async connectTls(port: number, ca?: Buffer): Promise<Esme> {
    const trust = ca ? { ca, rejectUnauthorized: true } : { rejectUnauthorized: false };
    const session = smpp.connect({ host: "127.0.0.1", port, tls: true, ...trust });
    session.on("error", () => undefined);
    await once(session, "secureConnect");
    return Esme.forTest(session);
  }

  private static forTest(session: smpp.Session): Esme {
    const esme = new Esme(session);
    onTestFinished(() => esme.session.destroy());
    return esme;
  }

  request(command: string, fields: smpp.PduFields = {}): Promise<smpp.PDU> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${command}_resp`)), 5000);
      this.session.send(new smpp.PDU(command, fields), (pdu) => {
        clearTimeout(timer);
        resolve(pdu);
      });
    });
  }

  bind(
    type: "bind_transceiver" | "bind_transmitter" | "bind_receiver" = "bind_transceiver",
    fields: smpp.PduFields = {},
  ): Promise<smpp.PDU> {
    return this.request(type, { system_id: "acme", password: PASSWORD, interface_version: 0x34, ...fields });
  }

  submit(fields: smpp.PduFields = {}): Promise<smpp.PDU> {
    return this.request("submit_sm", {
      source_addr: "AcmeOTP",
      source_addr_ton: 5,
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: "6281234567890",
      data_coding: 0,
      short_message: Buffer.from("Your code is 123456"),
      ...fields,
    });
  }
}

/** A well-behaved ESME already bound (transceiver unless `type` says otherwise) as `systemId`. */
export async function boundEsme(
  port: number,
  systemId = "acme",
  type?: "bind_transmitter" | "bind_receiver",
): Promise<Esme> {
  const esme = await Esme.connect(port);
  const resp = await esme.bind(type, { system_id: systemId });
  if (resp.command_status !== 0) throw new Error(`bind refused: 0x${resp.command_status.toString(16)}`);
  return esme;
}

/** A raw socket and the frames it receives. */
export async function rawPeer(
  port: number,
): Promise<{ socket: Socket; frames: FrameCollector; closed: Promise<void> }> {
  const socket = await connectRaw(port);
  socket.on("error", () => undefined);
  const closed = once(socket, "close").then(() => undefined);
  onTestFinished(() => void socket.destroy());
  return { socket, frames: new FrameCollector(socket), closed };
}

export function bindPdu(
  sequence = 1,
  fields: smpp.PduFields = {},
  command: "bind_transceiver" | "bind_receiver" | "bind_transmitter" = "bind_transceiver",
): Buffer {
  return encodePdu(command, sequence, {
    system_id: "acme",
    password: PASSWORD,
    interface_version: 0x34,
    ...fields,
  });
}

/** Rejects if `promise` does not settle within `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** After a refusal: a well-behaved ESME can still bind and submit on another session. */
export async function assertServesWellBehavedClient(
  fixture: Fixture,
  localAddress = "127.0.0.2",
): Promise<string> {
  const esme = await Esme.connect(fixture.port, localAddress);
  const bound = await esme.bind();
  if (bound.command_status !== 0)
    throw new Error(`well-behaved bind refused: 0x${bound.command_status.toString(16)}`);
  const resp = await esme.submit();
  if (resp.command_status !== 0)
    throw new Error(`well-behaved submit refused: 0x${resp.command_status.toString(16)}`);
  const id = resp.message_id as string;
  esme.session.destroy();
  return id;
}
