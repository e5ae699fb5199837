/**
 * Environment variables that override daemon settings (12-factor style: the same image runs anywhere).
 * They win over `otpgw.yaml`; an empty value counts as unset, so `VAR=` in a compose file changes nothing.
 * Relative paths given here are relative to the working directory.
 */

export interface DaemonEnvOverride {
  variable: string;
  /** Where the value goes in the settings file's structure. */
  path: readonly [string, ...string[]];
  /** Integers are converted when the text is an integer; anything else is left for the schema to refuse. */
  type: "string" | "integer";
}

export const daemonEnvOverrides: readonly DaemonEnvOverride[] = [
  { variable: "OTPGW_LOG_LEVEL", path: ["log_level"], type: "string" },
  { variable: "OTPGW_CARRIERS_DIR", path: ["carriers_dir"], type: "string" },
  { variable: "OTPGW_ROUTES_FILE", path: ["routes_file"], type: "string" },
  { variable: "OTPGW_ACCOUNTS_FILE", path: ["accounts_file"], type: "string" },
  { variable: "OTPGW_NETWORKS_FILE", path: ["networks_file"], type: "string" },
  { variable: "REDIS_URL", path: ["redis_url"], type: "string" },
  { variable: "OTPGW_REDIS_KEY_PREFIX", path: ["redis_key_prefix"], type: "string" },
  { variable: "OTPGW_REDIS_BATCH_DELAY_MS", path: ["redis_batch_delay_ms"], type: "integer" },
  { variable: "OTPGW_REDIS_WAIT_REPLICAS", path: ["redis_wait_replicas"], type: "integer" },
  { variable: "OTPGW_REDIS_WAIT_TIMEOUT_MS", path: ["redis_wait_timeout_ms"], type: "integer" },
  { variable: "OTPGW_REDIS_TLS_CA_FILE", path: ["redis_tls", "ca_file"], type: "string" },
  { variable: "OTPGW_REDIS_TLS_CERT_FILE", path: ["redis_tls", "cert_file"], type: "string" },
  { variable: "OTPGW_REDIS_TLS_KEY_FILE", path: ["redis_tls", "key_file"], type: "string" },
  { variable: "OTPGW_HTTP_HOST", path: ["http", "host"], type: "string" },
  { variable: "OTPGW_HTTP_PORT", path: ["http", "port"], type: "integer" },
  { variable: "OTPGW_SMPP_HOST", path: ["smpp", "host"], type: "string" },
  { variable: "OTPGW_SMPP_PORT", path: ["smpp", "port"], type: "integer" },
  { variable: "OTPGW_METRICS_HOST", path: ["metrics", "host"], type: "string" },
  { variable: "OTPGW_METRICS_PORT", path: ["metrics", "port"], type: "integer" },
  { variable: "OTPGW_SHUTDOWN_TIMEOUT_MS", path: ["shutdown_timeout_ms"], type: "integer" },
  { variable: "OTPGW_INSTANCE_ID", path: ["instance_id"], type: "string" },
  { variable: "OTPGW_WEBHOOK_PRIVATE_ADDRESSES", path: ["webhook_private_addresses"], type: "string" },
];

/** The settings file to read when `--config` is not given (before falling back to ./otpgw.yaml). */
export const configFileEnvVariable = "OTPGW_CONFIG";

export interface AppliedOverrides {
  /** A copy of the settings with the overrides written in. */
  data: unknown;
  /** Dotted settings path → the variable that set it. */
  overridden: Map<string, string>;
}

/**
 * Writes the set variables into `data` (the settings as read from the file, or undefined for no file).
 * A value whose parent is not a mapping is left out: the schema reports the parent.
 */
export function applyDaemonEnvOverrides(data: unknown, env: NodeJS.ProcessEnv): AppliedOverrides {
  const root: unknown = data === undefined || data === null ? {} : structuredClone(data);
  const overridden = new Map<string, string>();
  if (!isRecord(root)) return { data: root, overridden };
  for (const override of daemonEnvOverrides) {
    const text = env[override.variable];
    if (text === undefined || text === "") continue;
    const parents = override.path.slice(0, -1);
    const key = override.path[override.path.length - 1] as string;
    let target: Record<string, unknown> | undefined = root;
    for (const segment of parents) {
      const next: unknown = (target[segment] ??= {});
      target = isRecord(next) ? next : undefined;
      if (!target) break;
    }
    if (!target) continue;
    target[key] = override.type === "integer" && /^\d+$/.test(text.trim()) ? Number(text.trim()) : text;
    overridden.set(override.path.join("."), override.variable);
  }
  return { data: root, overridden };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
