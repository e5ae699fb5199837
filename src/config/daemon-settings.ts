/**
 * Builds the daemon settings from the settings file (if any), the environment and the command line, in
 * that order of precedence (command line wins). Pure: the caller reads the file.
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { formatPath, sortByLine, type ConfigProblem } from "./config-problem.js";
import { applyDaemonEnvOverrides } from "./daemon-env.js";
import { daemonFileSchema } from "./daemon-schema.js";
import { defaults } from "./defaults.js";
import { envProblems, interpolateEnv, unsetVariablePlaceholder } from "./interpolate-env.js";
import { checkAgainstSchema } from "./schema-issues.js";
import { literalChannelSecrets, toChannelsConfig } from "../escalation/channel-config.js";
import type { DaemonConfig } from "./types.js";
import { parseYamlSource } from "./yaml-source.js";

/** The networks file otpgw ships (two levels up from both src/config and dist/config). */
export const bundledNetworksFile = fileURLToPath(new URL("../../data/networks.yaml", import.meta.url));

export interface DaemonSettingsInput {
  /** The settings file: its text, its name as shown in messages, and its directory (absolute). */
  file?: { text: string; source: string; dir: string };
  env: NodeJS.ProcessEnv;
  /** Relative paths from the environment and the command line are resolved against this directory. */
  cwd: string;
  /** See `EnvOptions.allowMissingEnv`. */
  allowMissingEnv?: boolean;
  /** The carriers directory from the command line (`--carriers`); wins over the file and environment. */
  carriersDir?: string;
}

export interface DaemonSettingsResult {
  /** The settings, when there is no problem. */
  daemon?: DaemonConfig;
  /**
   * Absolute carriers directory, known even when other settings have problems (so the carriers can still be
   * checked); undefined only when `carriers_dir` itself is wrong.
   */
  carriersDir?: string;
  /** The settings file could not be parsed, so `carriersDir` is the default: check it only if it exists. */
  carriersDirIsGuess?: boolean;
  problems: ConfigProblem[];
}

/** The sentinels' password: read from the environment only (a secret never sits in otpgw.yaml). */
export const sentinelPasswordVariable = "OTPGW_REDIS_SENTINEL_PASSWORD";

/** Reported as the source of a problem with a value that came from an environment variable. */
export const environmentSource = "environment";

export function parseDaemonSettings(input: DaemonSettingsInput): DaemonSettingsResult {
  const source = input.file?.source ?? environmentSource;
  const yaml = input.file ? parseYamlSource(input.file.text, input.file.source) : undefined;
  if (yaml && yaml.data === undefined) {
    const fromEnv = input.env.OTPGW_CARRIERS_DIR || undefined;
    const carriersDir = resolveCarriersDir(fromEnv, input, fromEnv !== undefined);
    const isGuess = fromEnv === undefined && input.carriersDir === undefined;
    return {
      ...(carriersDir !== undefined && { carriersDir }),
      carriersDirIsGuess: isGuess,
      problems: yaml.problems,
    };
  }
  const lineOf = yaml ? yaml.lineOf : () => undefined;
  const fromFile = yaml?.data;

  const skipPaths: PropertyKey[][] = [];
  const interpolated = interpolateEnv(
    fromFile,
    input.env,
    input.allowMissingEnv ? unsetVariablePlaceholder : "",
  );
  const problems = envProblems(interpolated.problems, {
    source,
    lineOf,
    skipPaths,
    allowMissingEnv: input.allowMissingEnv,
  });
  const { data, overridden } = applyDaemonEnvOverrides(interpolated.data, input.env);
  // Under allowMissingEnv an unset reference in the Redis URL reads as a placeholder: connecting with it would show
  // as a wrong password (WRONGPASS) or an unknown host, so the variables are kept to be named instead.
  const redisUrlUnset = overridden.has("redis_url")
    ? []
    : interpolated.problems.flatMap((p) =>
        p.kind === "missing" && formatPath(p.path) === "redis_url" && p.variable !== undefined
          ? [p.variable]
          : [],
      );
  const checked = checkAgainstSchema(daemonFileSchema, data, {
    source,
    lineOf,
    skipPaths,
    relocate: (path) => {
      const variable = overridden.get(path.join("."));
      return variable === undefined ? undefined : { source: environmentSource, path: variable };
    },
  });
  problems.push(...checked.problems);
  for (const path of literalChannelSecrets(isRecord(fromFile) ? fromFile.channels : undefined)) {
    problems.push({
      source,
      line: lineOf(path),
      path: formatPath(path),
      reason: "must be a ${VARIABLE} reference: credentials come from the environment, never from this file",
    });
  }

  const rawCarriersDir = isRecord(data) ? data.carriers_dir : undefined;
  const carriersDir = resolveCarriersDir(rawCarriersDir, input, overridden.has("carriers_dir"));
  const settings = checked.value;
  if (settings === undefined && problems.length === 0) {
    // Every issue was at a value an unset variable left out (--allow-missing-env): say so rather than nothing.
    problems.push({
      source,
      path: "",
      reason: "cannot be checked without the unset environment variables it refers to: set them",
    });
  }
  if (problems.length > 0 || settings === undefined) {
    return { ...(carriersDir !== undefined && { carriersDir }), problems: sortByLine(problems) };
  }

  // Paths written in the file (or defaulted) are relative to the file, so `--config /etc/otpgw/otpgw.yaml`
  // finds /etc/otpgw/carriers; paths from the environment are relative to the working directory.
  const baseOf = (path: string): string =>
    overridden.has(path) ? input.cwd : (input.file?.dir ?? input.cwd);
  const routesBase = baseOf("routes_file");
  const daemon: DaemonConfig = {
    ...(input.file && { file: input.file.source }),
    logLevel: settings.log_level,
    carriersDir: carriersDir ?? resolve(input.cwd, settings.carriers_dir),
    routesFile: resolve(routesBase, settings.routes_file),
    accountsFile: resolve(baseOf("accounts_file"), settings.accounts_file),
    networksFile:
      settings.networks_file === undefined
        ? bundledNetworksFile
        : resolve(baseOf("networks_file"), settings.networks_file),
    redisKeyPrefix: settings.redis_key_prefix,
    redisBatchDelayMs: settings.redis_batch_delay_ms,
    redisWait: { replicas: settings.redis_wait_replicas, timeoutMs: settings.redis_wait_timeout_ms },
    ...(input.env[sentinelPasswordVariable] && {
      redisSentinelPassword: input.env[sentinelPasswordVariable],
    }),
    ...(settings.redis_tls && { redisTls: redisTlsFiles(settings.redis_tls, baseOf) }),
    retention: {
      bodyMs: settings.retention.body_seconds * 1000,
      messageMs: settings.retention.message_seconds * 1000,
      idempotencyMs: settings.retention.idempotency_seconds * 1000,
    },
    delivery: {
      minRemainingValidityMs: settings.delivery.min_remaining_validity_seconds * 1000,
      retryUnavailableMs: settings.delivery.retry_unavailable_ms,
      timerPollMs: settings.delivery.timer_poll_ms,
      timerLeaseMs: settings.delivery.timer_lease_ms,
    },
    ...(settings.redis_url !== undefined && { redisUrl: settings.redis_url }),
    ...(redisUrlUnset.length > 0 && { redisUrlUnset }),
    http: {
      host: settings.http.host,
      port: settings.http.port,
      maxConnections: settings.http.max_connections,
    },
    smpp: {
      enabled: settings.smpp.enabled,
      host: settings.smpp.host,
      port: settings.smpp.port,
      ...(settings.smpp.tls && {
        tls: {
          port: settings.smpp.tls.port,
          keyFile: resolve(input.file?.dir ?? input.cwd, settings.smpp.tls.key_file),
          certFile: resolve(input.file?.dir ?? input.cwd, settings.smpp.tls.cert_file),
        },
      }),
      sessionInitMs: settings.smpp.session_init_ms,
      maxSessions: settings.smpp.max_sessions,
      maxUnboundPerAddress: settings.smpp.max_unbound_per_address,
      inactivityMs: settings.smpp.inactivity_ms,
      windowSize: settings.smpp.window,
    },
    metrics: { host: settings.metrics.host, port: settings.metrics.port },
    shutdownTimeoutMs: settings.shutdown_timeout_ms,
    webhookPrivateAddresses: settings.webhook_private_addresses,
    channels: toChannelsConfig(settings.channels),
    ...(settings.instance_id !== undefined && { instanceId: settings.instance_id }),
  };
  return { daemon, carriersDir: daemon.carriersDir, problems: [] };
}

/** `redis_tls` with its paths made absolute (`baseOf`: the directory a setting's relative path starts from). */
function redisTlsFiles(
  tls: { ca_file?: string; cert_file?: string; key_file?: string; server_name?: string },
  baseOf: (path: string) => string,
): NonNullable<DaemonConfig["redisTls"]> {
  const file = (name: "ca_file" | "cert_file" | "key_file"): string | undefined => {
    const value = tls[name];
    return value === undefined ? undefined : resolve(baseOf(`redis_tls.${name}`), value);
  };
  const [caFile, certFile, keyFile] = [file("ca_file"), file("cert_file"), file("key_file")];
  return {
    ...(caFile !== undefined && { caFile }),
    ...(certFile !== undefined && { certFile }),
    ...(keyFile !== undefined && { keyFile }),
    ...(tls.server_name !== undefined && { serverName: tls.server_name }),
  };
}

function resolveCarriersDir(value: unknown, input: DaemonSettingsInput, fromEnv = false): string | undefined {
  if (input.carriersDir !== undefined) return resolve(input.cwd, input.carriersDir);
  const dir = value === undefined ? defaults.daemon.carriersDir : value;
  if (typeof dir !== "string" || dir === "") return undefined;
  return resolve(fromEnv ? input.cwd : (input.file?.dir ?? input.cwd), dir);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
