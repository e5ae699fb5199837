/**
 * The `otpgw` executable (composition root): the only CLI file that touches `process`. The daemon module is
 * imported only by `start`, so `config check` and `--help` work without loading the gateway.
 */
import { createLogger } from "../observability/logger.js";
import { runCli } from "./program.js";
import { reportFailure } from "./report-failure.js";
import { readVersion } from "./version.js";

let exitCode: number;
try {
  exitCode = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    version: readVersion(),
    createLogger,
    runDaemon: async (config, logger, reloadConfig) => {
      const { runDaemon } = await import("../daemon.js");
      await runDaemon(config, logger, reloadConfig);
    },
  });
} catch (error) {
  exitCode = reportFailure(error, process.stderr, "otpgw");
}
// Exit explicitly: after a failure nothing may linger half-started (a retrying client, an open port).
process.exit(exitCode);
