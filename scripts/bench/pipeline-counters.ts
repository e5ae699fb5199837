/**
 * Where messages are in otpgw's pipeline, from its Prometheus counters: each stage's running total, so the
 * difference between two stages at one moment is the backlog between them.
 */
import { parsePromText, sumOf, type Sample } from "../../src/cli/prom-text.js";

/** Running totals of the pipeline's stages, in order. */
export interface PipelineCounters {
  accepted: number;
  attemptsStarted: number;
  submitsAccepted: number;
  receipts: number;
  final: number;
  webhooksAcknowledged: number;
}

/** otpgw's Prometheus exposition, parsed, from its metrics port. */
export async function readMetrics(metricsPort: number): Promise<Sample[]> {
  return parsePromText(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text());
}

/** Reads the counters from otpgw's metrics port. */
export async function readPipelineCounters(metricsPort: number): Promise<PipelineCounters> {
  const samples = await readMetrics(metricsPort);
  return {
    accepted: sumOf(samples, "otpgw_messages_accepted_total"),
    attemptsStarted: sumOf(samples, "otpgw_attempts_total"),
    submitsAccepted: sumOf(samples, "otpgw_carrier_submits_total", { outcome: "accepted" }),
    receipts: sumOf(samples, "otpgw_carrier_receipts_total"),
    final: sumOf(samples, "otpgw_messages_final_total"),
    webhooksAcknowledged: sumOf(samples, "otpgw_webhook_deliveries_total", { outcome: "acknowledged" }),
  };
}

/** `after - before`, stage by stage. */
export function pipelineDelta(before: PipelineCounters, after: PipelineCounters): PipelineCounters {
  return {
    accepted: after.accepted - before.accepted,
    attemptsStarted: after.attemptsStarted - before.attemptsStarted,
    submitsAccepted: after.submitsAccepted - before.submitsAccepted,
    receipts: after.receipts - before.receipts,
    final: after.final - before.final,
    webhooksAcknowledged: after.webhooksAcknowledged - before.webhooksAcknowledged,
  };
}

/** Running totals of the hot path's Redis script calls (otpgw_redis_batch_*): calls, their seconds, their ops. */
export interface RedisBatchTotals {
  calls: number;
  seconds: number;
  ops: number;
}

export async function readRedisBatchTotals(metricsPort: number): Promise<RedisBatchTotals> {
  const samples = await readMetrics(metricsPort);
  return {
    calls: sumOf(samples, "otpgw_redis_batch_seconds_count"),
    seconds: sumOf(samples, "otpgw_redis_batch_seconds_sum"),
    ops: sumOf(samples, "otpgw_redis_batch_ops_total"),
  };
}
