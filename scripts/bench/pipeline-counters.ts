/**
 * Where messages are in otpgw's pipeline, from its Prometheus counters: each stage's running total, so the
 * difference between two stages at one moment is the backlog between them.
 */

/** Running totals of the pipeline's stages, in order. */
export interface PipelineCounters {
  accepted: number;
  attemptsStarted: number;
  submitsAccepted: number;
  receipts: number;
  final: number;
  webhooksAcknowledged: number;
}

/** Sum of every sample of `name` (all label sets) whose labels contain `labelFilter`, if given. */
function sum(text: string, name: string, labelFilter?: string): number {
  let total = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== "{" && rest[0] !== " ") continue;
    if (labelFilter !== undefined && !rest.includes(labelFilter)) continue;
    total += Number(line.slice(line.lastIndexOf(" ") + 1)) || 0;
  }
  return total;
}

/** otpgw's Prometheus exposition, from its metrics port. */
async function metricsText(metricsPort: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
}

/** Reads the counters from otpgw's metrics port. */
export async function readPipelineCounters(metricsPort: number): Promise<PipelineCounters> {
  const text = await metricsText(metricsPort);
  return {
    accepted: sum(text, "otpgw_messages_accepted_total"),
    attemptsStarted: sum(text, "otpgw_attempts_total"),
    submitsAccepted: sum(text, "otpgw_carrier_submits_total", 'outcome="accepted"'),
    receipts: sum(text, "otpgw_carrier_receipts_total"),
    final: sum(text, "otpgw_messages_final_total"),
    webhooksAcknowledged: sum(text, "otpgw_webhook_deliveries_total", 'outcome="acknowledged"'),
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
  const text = await metricsText(metricsPort);
  return {
    calls: sum(text, "otpgw_redis_batch_seconds_count"),
    seconds: sum(text, "otpgw_redis_batch_seconds_sum"),
    ops: sum(text, "otpgw_redis_batch_ops_total"),
  };
}
