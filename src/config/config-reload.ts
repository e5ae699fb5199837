/**
 * SIGHUP: every configuration file read again and validated as a whole, exactly as at start (loadConfig), and
 * what can change in a running daemon applied — the route table (routes.yaml) and the accounts (accounts.yaml).
 * Nothing is applied unless everything is valid: an invalid edit of any file is refused with every problem
 * (`file:line: path: reason`) and the running configuration stays (DESIGN promise 8). A valid routes.yaml that
 * names a carrier this process does not run (a carrier file added since start) is refused too: carriers are bound
 * at start. Changes a reload cannot apply — otpgw.yaml and the environment, carrier files — are logged by name
 * (never their values) and flagged in `otpgw_config_restart_pending` until a restart (or an edit back) clears them.
 */
import type { ChannelId } from "../escalation/channel-types.js";
import { ConfigError } from "../errors.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import type { LiveRouteTable } from "../routing/live-route-table.js";
import type { RouteSpec } from "../routing/route.js";
import type { RouteTable } from "../routing/route-table.js";
import type { AccountsConfig } from "../north/accounts/account-types.js";
import { changesByName, type Changes } from "./changes.js";
import type { LoadedConfig } from "./loaded-config.js";
import { minValiditySeconds } from "./min-validity.js";

const RESULTS = ["applied", "unchanged", "invalid", "refused", "failed"] as const;
export type ReloadResult = (typeof RESULTS)[number];

export interface ReloadReport {
  result: ReloadResult;
  /** Why nothing was applied (invalid, refused, failed): configuration problems or reasons, one per line. */
  problems: string[];
  /** Routes added, removed and changed by an applied reload (names). */
  routes?: Changes;
  /** Accounts added, removed and changed (ids), and the SMPP sessions unbound because their access changed. */
  accounts?: Changes & { unbound: number };
  /** What differs from the running configuration and waits for a restart: `otpgw.yaml: http`, `carrier id-x`. */
  restartNeeded: string[];
}

export interface ConfigReloadDeps {
  /** Reads and validates every file as `otpgw start` did (same options); throws ConfigError when invalid. */
  load: () => Promise<LoadedConfig>;
  /** The configuration the process started with: its carriers, settings and accounts are what runs. */
  running: LoadedConfig;
  routes: LiveRouteTable;
  /** Installs a changed accounts.yaml (AccountDirectory and the SMPP server); without it, a restart does. */
  applyAccounts?: (accounts: AccountsConfig) => Changes & { unbound: number };
  logger: Logger;
  metrics?: Pick<Metrics, "configReloads" | "configReloadedAt" | "configRestartPending">;
}

export class ConfigReload {
  private chain: Promise<unknown> = Promise.resolve();
  /** The accounts in force (the started ones until a reload installs others). */
  private accounts: AccountsConfig;

  constructor(private readonly deps: ConfigReloadDeps) {
    this.accounts = deps.running.accounts;
    // Every result at 0 from the start: a rate over the counter then sees its first refusal.
    for (const result of RESULTS) deps.metrics?.configReloads.inc({ result }, 0);
  }

  /** Reads the files and applies what changed; reloads asked for while one runs run after it, in turn. */
  reload(): Promise<ReloadReport> {
    const run = this.chain.then(() => this.reloadOnce());
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async reloadOnce(): Promise<ReloadReport> {
    const { logger, metrics } = this.deps;
    let next: LoadedConfig;
    try {
      next = await this.deps.load();
    } catch (error) {
      const invalid = error instanceof ConfigError;
      const problems = invalid ? [...error.problems] : [(error as Error).message];
      const result: ReloadResult = invalid ? "invalid" : "failed";
      metrics?.configReloads.inc({ result });
      logger.error(
        { problems },
        invalid
          ? `configuration reload refused: ${problems.length} problem(s); the running configuration stays`
          : "configuration reload failed; the running configuration stays",
      );
      return { result, problems, restartNeeded: [] };
    }
    const running = this.deps.running;
    const restartNeeded = pendingRestart(running, next, this.deps.applyAccounts === undefined);
    metrics?.configRestartPending.set(restartNeeded.length > 0 ? 1 : 0);
    if (restartNeeded.length > 0) {
      logger.warn(
        { pending: restartNeeded },
        "configuration changes a reload cannot apply: they take effect at the next restart",
      );
    }
    const refusals = [
      ...unknownCarriers(next.routes, new Set(running.carriers.map((c) => c.id))),
      ...validatedOtherwise(running, next),
    ];
    if (refusals.length > 0) {
      metrics?.configReloads.inc({ result: "refused" });
      logger.error(
        { problems: refusals },
        "configuration reload refused: valid files, but not as this process runs; the running configuration stays",
      );
      return { result: "refused", problems: refusals, restartNeeded };
    }
    metrics?.configReloadedAt.set(Date.now() / 1000);
    const routes = routeChanges(this.deps.routes.current, next.routes);
    if (routes) {
      this.deps.routes.replace(next.routes);
      logger.info(
        { routes: next.routes.specs.length, ...routes },
        "configuration reloaded: new route table in use",
      );
    }
    const accounts = this.installAccounts(next.accounts);
    const result = routes || accounts ? "applied" : "unchanged";
    metrics?.configReloads.inc({ result });
    if (result === "unchanged")
      logger.info("configuration reloaded: routes.yaml and accounts.yaml unchanged");
    return { result, problems: [], ...(routes && { routes }), ...(accounts && { accounts }), restartNeeded };
  }

  /** Installs accounts.yaml when it changed and the daemon can take it live. */
  private installAccounts(next: AccountsConfig): ReloadReport["accounts"] {
    const apply = this.deps.applyAccounts;
    if (!apply || same(this.accounts.accounts) === same(next.accounts)) return undefined;
    const changes = apply(next);
    this.accounts = next;
    this.deps.logger.info(
      { accounts: next.accounts.length, ...changes },
      "configuration reloaded: new accounts in use",
    );
    return changes;
  }
}

/** The routes' carriers that the running process has no pool for, as problems. */
function unknownCarriers(table: RouteTable, running: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const spec of table.specs) {
    for (const carrier of spec.carriers) {
      if (!running.has(carrier.id)) {
        problems.push(
          `route ${spec.name}: carrier ${carrier.id} is not running in this process (carriers are added at a restart)`,
        );
      }
    }
  }
  return problems;
}

/**
 * What makes the new files valid only against settings or carriers this process does not run: the files read from
 * other paths than the running ones, validities held to another minimum, or routes checked against a carrier's new
 * countries. Installing those tables would install what no check of the running configuration passed.
 */
function validatedOtherwise(running: LoadedConfig, next: LoadedConfig): string[] {
  const problems: string[] = [];
  const was = running.daemon;
  const is = next.daemon;
  const paths = [
    ["routes_file", was.routesFile, is.routesFile],
    ["accounts_file", was.accountsFile, is.accountsFile],
    ["carriers_dir", was.carriersDir, is.carriersDir],
    // Like the other paths: the new file would be installed while the log said "at the next restart".
    ["networks_file", was.networksFile, is.networksFile],
  ] as const;
  for (const [key, before, after] of paths) {
    if (before !== after) problems.push(`otpgw.yaml: ${key} changed: restart to read the files from there`);
  }
  if (minValiditySeconds(was.delivery) !== minValiditySeconds(is.delivery)) {
    problems.push(
      "otpgw.yaml: delivery.min_remaining_validity_seconds changed: the files were checked against the new value; restart to apply it",
    );
  }
  // A channel tried before SMS needs a running provider as much as one escalated to: installed without one, the
  // route would be "applied" and the channel silently skipped.
  const notRunning = (channels: (spec: RouteSpec) => readonly ChannelId[] | undefined) =>
    new Set(
      next.routes.specs
        .flatMap((spec) => channels(spec) ?? [])
        .filter((channel) => was.channels[channel] === undefined),
    );
  for (const channel of notRunning((spec) => spec.escalation)) {
    problems.push(
      `routes.yaml: a route escalates to ${channel}, which this process does not run (otpgw.yaml channels.${channel} is new): restart to start it`,
    );
  }
  for (const channel of notRunning((spec) => spec.beforeSms)) {
    problems.push(
      `routes.yaml: a route tries ${channel} before SMS, which this process does not run (otpgw.yaml channels.${channel} is new): restart to start it`,
    );
  }
  const countries = new Map(running.carriers.map((c) => [c.id, c.countries.join()]));
  const routed = new Set(next.routes.specs.flatMap((spec) => spec.carriers.map((c) => c.id)));
  for (const carrier of next.carriers) {
    const before = countries.get(carrier.id);
    if (before !== undefined && routed.has(carrier.id) && before !== carrier.countries.join()) {
      problems.push(
        `carrier ${carrier.id}: its countries changed and routes.yaml was checked against them; restart to apply the carrier file`,
      );
    }
  }
  return problems;
}

/**
 * Routes added, removed and changed between two tables, or undefined when nothing (defaults and the networks file
 * included) differs: a table whose networks file alone changed is installed too (the route names then list none).
 */
function routeChanges(before: RouteTable, after: RouteTable): Changes | undefined {
  const changes = changesByName(before.specs, after.specs, (spec) => spec.name);
  const order = (table: RouteTable) => table.specs.map((s) => s.name).join("\n");
  const differs =
    changes.added.length + changes.removed.length + changes.changed.length > 0 ||
    same(before.defaults) !== same(after.defaults) ||
    same(before.networks.networks) !== same(after.networks.networks) ||
    order(before) !== order(after);
  return differs ? changes : undefined;
}

/** A comparable form of validated, plain data (route defaults, settings, accounts). */
function same(value: object | undefined): string {
  return JSON.stringify(value) ?? "";
}

/**
 * Names of what differs between the running configuration and the files now, except routes.yaml (and
 * accounts.yaml unless `accountsToo`: a daemon that cannot install accounts live).
 */
function pendingRestart(running: LoadedConfig, next: LoadedConfig, accountsToo: boolean): string[] {
  const pending: string[] = [];
  const settings = new Set([...Object.keys(running.daemon), ...Object.keys(next.daemon)]);
  settings.delete("file"); // where the settings came from, not a setting
  for (const key of settings) {
    const before = (running.daemon as unknown as Record<string, unknown>)[key];
    const after = (next.daemon as unknown as Record<string, unknown>)[key];
    if (same(before as object) !== same(after as object)) pending.push(`otpgw.yaml: ${snakeCase(key)}`);
  }
  const carriers = changesByName(running.carriers, next.carriers, (c) => c.id);
  for (const what of ["added", "changed", "removed"] as const) {
    for (const id of carriers[what]) pending.push(`carrier ${id}: ${what}`);
  }
  if (accountsToo && same(running.accounts.accounts) !== same(next.accounts.accounts))
    pending.push("accounts.yaml: changed");
  return pending;
}

function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
