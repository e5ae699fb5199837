/**
 * `npm run sim -- --config sim/example.yaml`: runs one or more simulated carriers until SIGINT/SIGTERM.
 * Prints one line per instance on stdout once it listens (tests and scripts parse it):
 *
 *   sim name=telkomsel host=127.0.0.1 port=2775 control_port=8775
 *
 * Logs (binds, errors; never one line per PDU) go to stderr. Exit codes: 0 after a clean stop, 1 when an instance
 * cannot start (port in use, ...), 2 for an invalid command line or config file.
 */
import { Command, InvalidArgumentError } from "commander";
import { ConfigError } from "../../src/errors.js";
import { createLogger } from "../../src/observability/logger.js";
import { CarrierSimulator } from "./carrier-simulator.js";
import { loadSimConfig, type SimInstanceConfig } from "./sim-config.js";

interface CliOptions {
  config?: string;
  port?: number;
  controlPort?: number;
  host?: string;
  logLevel: string;
}

function portArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError("must be a port number 0..65535");
  return n;
}

async function main(argv: string[]): Promise<number> {
  const program = new Command("sim")
    .description("Simulated carrier SMSC(s) for otpgw tests, demos and benchmarks")
    .option("-c, --config <file>", "YAML file with one or more instances (see docs/simulator.md)")
    .option("-p, --port <port>", "SMPP port (only with a single instance; 0 = any free port)", portArg)
    .option(
      "--control-port <port>",
      "HTTP control port (only with a single instance; 0 = any free port)",
      portArg,
    )
    .option("--host <address>", "address to listen on (overrides the file)")
    .option("--log-level <level>", "pino level for stderr logs", "info")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  try {
    program.parse(argv);
  } catch (error) {
    const code = (error as { exitCode?: number }).exitCode;
    return code === 0 ? 0 : 2;
  }
  const cli = program.opts<CliOptions>();
  const logger = createLogger({ level: cli.logLevel, destination: process.stderr });

  let instances: SimInstanceConfig[];
  try {
    instances = cli.config ? await loadSimConfig(cli.config, process.env) : [{ name: "sim", options: {} }];
  } catch (error) {
    process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
    return 2;
  }
  if (instances.length > 1 && (cli.port !== undefined || cli.controlPort !== undefined)) {
    process.stderr.write(
      "--port and --control-port apply to a single instance; set ports in the config file\n",
    );
    return 2;
  }

  const sims: CarrierSimulator[] = [];
  const stopAll = () => Promise.allSettled(sims.map((s) => s.stop()));
  try {
    for (const instance of instances) {
      const options = { ...instance.options, logger: logger.child({ sim: instance.name }) };
      if (cli.port !== undefined) options.port = cli.port;
      if (cli.controlPort !== undefined) options.controlPort = cli.controlPort;
      if (cli.host !== undefined) options.host = cli.host;
      const sim = new CarrierSimulator(options);
      sims.push(sim);
      const { port, controlPort } = await sim.start();
      process.stdout.write(
        `sim name=${instance.name} host=${sim.options.host} port=${port} control_port=${controlPort ?? "-"}\n`,
      );
    }
  } catch (error) {
    process.stderr.write(
      `cannot start simulator: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    await stopAll();
    return 1;
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        // A second signal: the operator wants out now.
        resolve(1);
        return;
      }
      stopping = true;
      logger.info({ signal }, "stopping simulator");
      void stopAll().then(() => resolve(0));
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

main(process.argv).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `simulator failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
