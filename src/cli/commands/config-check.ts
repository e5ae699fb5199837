import type { Command } from "commander";
import { isAbsolute, relative } from "node:path";
import { loadConfig } from "../../config/load-config.js";
import { certificateReport, smppTlsMaterial } from "../../config/tls-files.js";
import type { DaemonConfig } from "../../config/types.js";
import type { LoadedConfig } from "../../config/loaded-config.js";
import { configuredChannels } from "../../escalation/channel-config.js";
import type { RouteSpec } from "../../routing/route.js";
import { withOneShotRedis } from "../../redis/one-shot-client.js";
import type { RedisAccess } from "../../redis/redis-address.js";
import { checkRedis, maskUrl } from "../../redis/redis-preflight.js";
import { redisAccess, unreachableRedisError } from "../../redis/redis-tls.js";
import { ExitCodes, type CliContext } from "../cli-context.js";
import { addConfigOptions, loadOptionsFor, type ConfigFlags } from "../config-options.js";
import { unsetInRedisUrl } from "../control-session.js";
import { reportFailure } from "../report-failure.js";

interface CheckFlags extends ConfigFlags {
  allowMissingEnv?: boolean;
  redis?: boolean;
}

/**
 * `otpgw config check`: validate every configuration file offline (no network), as `start` would.
 * Meant for CI and for a pre-deploy check; `--allow-missing-env` lets it run where the secrets are not set.
 * `--redis` also connects to `redis_url` and checks its settings as start-up does (src/redis/redis-preflight.ts).
 */
export function registerConfigCheckCommand(config: Command, context: CliContext): void {
  addConfigOptions(
    config
      .command("check")
      .description(
        "validate the settings, routes, accounts and every carrier file, without starting anything",
      )
      .option(
        "--allow-missing-env",
        "do not report ${VAR} references to unset variables (for CI without secrets)",
      )
      .option(
        "--redis",
        "also connect to redis_url and check its settings as start-up does (eviction policy, replica, persistence)",
      )
      .addHelpText(
        "after",
        "\nPrints `ok: N carriers (ids)` and exits 0, or every problem as file:line: path: reason and exits 2." +
          "\nThen, when routes match by network, a `networks:` line: the networks file read and those routes." +
          "\nThen a `channel` line per escalation channel configured, with the routes escalating to it." +
          "\nThen a `tls:` line per certificate otpgw presents (smpp.tls, redis_tls) with its end of validity" +
          "\n(and a `tls warning:` under 14 days)." +
          "\nWith --redis, then a `redis:` line; a setting start-up would refuse is printed and exits 1.",
      ),
  ).action(async (flags: CheckFlags) => {
    context.setExitCode(await check(flags, context));
  });
}

async function check(flags: CheckFlags, context: CliContext): Promise<number> {
  try {
    const config = await loadConfig({
      ...loadOptionsFor(flags, context),
      ...(flags.allowMissingEnv === true && { allowMissingEnv: true }),
    });
    // TLS files are configuration too: a missing CA or a key of another certificate fails here, not at start.
    const access = redisAccess(config.daemon);
    const smppTls = smppTlsMaterial(config.daemon);
    const ids = config.carriers.map((carrier) => carrier.id);
    context.stdout.write(`ok: ${ids.length} carrier${ids.length === 1 ? "" : "s"} (${ids.join(", ")})\n`);
    const reports = [
      ...networksReport(config, context.cwd),
      ...channelReport(config),
      ...(smppTls ? certificateReport("smpp.tls", smppTls.cert) : []),
      ...(access.tls?.cert ? certificateReport("redis_tls client", access.tls.cert) : []),
    ];
    for (const line of reports) context.stdout.write(`${line}\n`);
    if (flags.redis !== true) return ExitCodes.ok;
    if (!config.daemon.redisUrl) throw new Error("--redis: redis_url (or REDIS_URL) is not set");
    const unset = unsetInRedisUrl(config.daemon);
    if (unset !== undefined) throw new Error(`--redis: ${unset}`);
    return await checkRedisSettings(config.daemon, access, context);
  } catch (error) {
    return reportFailure(error, context.stderr, "config check");
  }
}

/** Prints `redis: ok (facts)`, each warning, and each problem (exit 1 when there is one). */
async function checkRedisSettings(
  daemon: DaemonConfig,
  access: RedisAccess,
  context: CliContext,
): Promise<number> {
  const url = daemon.redisUrl ?? "";
  const { facts, problems, warnings } = await withOneShotRedis(
    url,
    (client) => checkRedis(client, { waitReplicas: daemon.redisWait.replicas }),
    access,
  ).catch((error: Error) => {
    throw unreachableRedisError(maskUrl(url), access, error);
  });
  const persistence = facts.aofEnabled
    ? `appendonly yes, appendfsync ${facts.appendfsync ?? "?"}`
    : "appendonly no";
  const replicas = facts.replicasInSync;
  const inSync = facts.role === "master" ? `, ${replicas} replica${replicas === 1 ? "" : "s"} in sync` : "";
  const tls = access.tls === undefined ? (url.startsWith("rediss") ? ", TLS" : "") : ", TLS (redis_tls)";
  const summary = `Redis ${facts.version}, ${facts.role}${inSync}, maxmemory-policy ${facts.maxmemoryPolicy}, ${persistence}${tls}`;
  for (const warning of warnings) context.stdout.write(`redis warning: ${warning}\n`);
  if (problems.length === 0) {
    context.stdout.write(`redis: ok (${summary})\n`);
    return ExitCodes.ok;
  }
  for (const problem of problems) context.stderr.write(`redis problem: ${problem}\n`);
  context.stderr.write(
    `otpgw: config check failed: otpgw would refuse to start on this Redis (${summary})\n`,
  );
  return ExitCodes.failure;
}

/** When a route matches by network: the networks file read, its networks' count and those routes. */
function networksReport(config: LoadedConfig, cwd: string): string[] {
  const routes = config.routes.specs.filter((spec) => spec.match.kind === "network").map((spec) => spec.name);
  if (routes.length === 0) return [];
  const file = relative(cwd, config.daemon.networksFile);
  const shown = file.startsWith("..") || isAbsolute(file) ? config.daemon.networksFile : file;
  return [
    `networks: ${config.networks.networks.length} in ${shown}; routes matching by network: ${routes.join(", ")}`,
  ];
}

/**
 * The configured escalation channels and the routes using each — after SMS (`escalation:`) or before it
 * (`before_sms:`): both are use, so only a channel neither names is said to be unused.
 */
function channelReport(config: LoadedConfig): string[] {
  return configuredChannels(config.daemon.channels).map((channel) => {
    const names = (uses: (spec: RouteSpec) => boolean) =>
      config.routes.specs.filter(uses).map((spec) => spec.name);
    const after = names((spec) => spec.escalation.includes(channel));
    const before = names((spec) => spec.beforeSms?.includes(channel) === true);
    const uses = [
      ...(after.length > 0 ? [`routes escalating to it: ${after.join(", ")}`] : []),
      ...(before.length > 0 ? [`routes trying it before SMS: ${before.join(", ")}`] : []),
    ];
    return uses.length > 0
      ? `channel ${channel}: ${uses.join("; ")}`
      : `channel ${channel}: configured, but no route uses it (routes.yaml escalation: or before_sms:)`;
  });
}
