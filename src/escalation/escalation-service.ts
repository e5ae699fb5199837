/**
 * Escalation as the gateway runs it: the configured channels' providers, the send queue and its worker, delivery's
 * collaborator, and the status callback routes — built together from otpgw.yaml's `channels:` block. Absent (no
 * channel configured): delivery has no escalation and a message whose carriers are spent is undeliverable.
 */
import type { RedisOptions } from "bullmq";
import type { FastifyInstance } from "fastify";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import { configuredChannels, createChannelProviders, type ChannelsConfig } from "./channel-config.js";
import type { ChannelId, ChannelStatus } from "./channel-types.js";
import { EscalationQueue, type EscalationDelivery } from "./escalation-queue.js";
import { Escalator } from "./escalator.js";
import { whatsappSubscriptionChallenge } from "./providers/whatsapp-cloud.js";
import { registerChannelStatusRoutes } from "./status-routes.js";

export interface EscalationServiceOptions {
  channels: ChannelsConfig;
  connection: string | RedisOptions;
  /** BullMQ's key prefix, shared with the webhook queue. */
  prefix: string;
  /** Delivery, once it exists (it is built with this service's escalator). */
  delivery: () => EscalationDelivery & {
    channelStatus(channel: ChannelId, status: ChannelStatus): Promise<void>;
  };
  /** An account's compiled OTP code pattern. */
  codePattern: (account: string) => RegExp;
  minRemainingMs: number;
  /** See EscalationDeps.downCountsFrom (a function: asked each time). */
  downCountsFrom: number | (() => number);
  /** The clock delivery's deadlines are written on (default Date.now): the gateway's is Redis's (RedisClock). */
  now?: () => number;
  logger: Logger;
  metrics?: Pick<Metrics, "escalationSends" | "channelStatuses">;
}

export class EscalationService {
  readonly escalator: Escalator;
  private readonly queue: EscalationQueue;
  private readonly options: EscalationServiceOptions;
  private readonly callbacks: ReturnType<typeof createChannelProviders>["callbacks"];

  /** Undefined when no channel is configured. */
  static create(options: EscalationServiceOptions): EscalationService | undefined {
    return configuredChannels(options.channels).length > 0 ? new EscalationService(options) : undefined;
  }

  private constructor(options: EscalationServiceOptions) {
    this.options = options;
    const { providers, callbacks } = createChannelProviders(options.channels);
    this.callbacks = callbacks;
    const logger = options.logger.child({ component: "escalation" });
    this.queue = new EscalationQueue({
      connection: options.connection,
      prefix: options.prefix,
      providers,
      delivery: {
        get: (id) => options.delivery().get(id),
        getText: (id) => options.delivery().getText(id),
        channelResult: (...args) => options.delivery().channelResult(...args),
        channelSendStarted: (...args) => options.delivery().channelSendStarted(...args),
        channelSendNotTaken: (...args) => options.delivery().channelSendNotTaken(...args),
      },
      codePattern: options.codePattern,
      minRemainingMs: options.minRemainingMs,
      ...(options.now && { now: options.now }),
      logger,
      ...(options.metrics && { metrics: options.metrics }),
    });
    const timeouts = new Map(
      configuredChannels(options.channels).map((id) => [id, options.channels[id]!.statusTimeoutMs]),
    );
    this.escalator = new Escalator({
      timeouts,
      codePattern: options.codePattern,
      queue: this.queue,
      downCountsFrom: options.downCountsFrom,
      logger,
    });
  }

  /** Adds the providers' status callback routes to the HTTP API (before it listens). */
  registerRoutes(app: FastifyInstance): void {
    const verifyToken = this.options.channels.whatsapp?.verifyToken;
    registerChannelStatusRoutes(app, {
      callbacks: this.callbacks,
      record: (channel, status) => this.options.delivery().channelStatus(channel, status),
      whatsappHandshake: (query) => whatsappSubscriptionChallenge(query, verifyToken),
      logger: this.options.logger,
      ...(this.options.metrics && { metrics: this.options.metrics }),
    });
  }

  /** Starts sending queued escalations (after Redis was checked). */
  start(): void {
    this.queue.start();
  }

  close(timeoutMs: number): Promise<void> {
    return this.queue.close(timeoutMs);
  }
}
