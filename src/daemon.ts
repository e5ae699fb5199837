import type { LoadedConfig } from "./config/loaded-config.js";
import { Gateway } from "./gateway.js";
import type { Logger } from "./observability/logger.js";

/**
 * Runs the daemon until SIGTERM/SIGINT, then shuts down in reverse start order; SIGHUP reloads the TLS files
 * (smpp.tls, redis_tls) and, with `reloadConfig`, the route table and the accounts.
 * Resolves once everything is closed; rejects (and the CLI exits non-zero) if start-up fails — after
 * closing whatever had started, so there is never a half-started daemon.
 */
export async function runDaemon(
  config: LoadedConfig,
  logger: Logger,
  reloadConfig?: () => Promise<LoadedConfig>,
): Promise<void> {
  // A bug that escapes every handler must leave a trace in the log before the process dies (exit 1); the
  // timers in Redis resume the messages in flight on the next start.
  const fatal = (kind: string) => (error: unknown) => {
    logger.fatal({ err: error }, `${kind}: exiting`);
    process.exit(1);
  };
  process.on("uncaughtException", fatal("uncaught exception"));
  process.on("unhandledRejection", fatal("unhandled promise rejection"));
  const gateway = new Gateway({ config, logger, ...(reloadConfig && { reloadConfig }) });
  // SIGHUP reloads what can change without a restart: the TLS files of smpp.tls and redis_tls, and the route table
  // and the accounts when every configuration file is valid (src/reloads.ts). Its handler is in place for the
  // process's whole life — Node's default for SIGHUP is to exit, and a reload (logrotate, `systemctl reload`) may
  // race a start or a restart: one asked for while starting runs once started, one while shutting down is ignored.
  let phase: "starting" | "running" | "stopping" = "starting";
  let reloadPending = false;
  const reload = (): void => {
    if (phase !== "running") {
      reloadPending = phase === "starting";
      logger.info(
        { signal: "SIGHUP" },
        phase === "starting"
          ? "SIGHUP while starting: reloading once started"
          : "SIGHUP while shutting down: ignored",
      );
      return;
    }
    logger.info({ signal: "SIGHUP" }, "reloading");
    gateway.reload().catch((error: unknown) => logger.error({ err: error }, "reload failed"));
  };
  process.on("SIGHUP", reload);
  try {
    try {
      await gateway.start();
    } catch (error) {
      phase = "stopping";
      await gateway.close();
      throw error;
    }
    phase = "running";
    if (reloadPending) reload();
    await new Promise<void>((resolve) => {
      const stop = (signal: NodeJS.Signals): void => {
        phase = "stopping";
        logger.info({ signal }, "shutting down");
        process.off("SIGTERM", stop);
        process.off("SIGINT", stop);
        resolve();
      };
      process.on("SIGTERM", stop);
      process.on("SIGINT", stop);
    });
    await gateway.close();
  } finally {
    process.off("SIGHUP", reload);
  }
}
