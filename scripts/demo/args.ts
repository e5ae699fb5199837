/** The demo's command line: `npm run demo [-- --messages N] [--concurrency N] [--rate N]`. */

export interface DemoArgs {
  /** OTPs to send. Default 300. */
  messages: number;
  /** Most HTTP requests in flight. Default 16. */
  concurrency: number;
  /** Target submits per second. Default 100: a few seconds of traffic, so the outage lands mid-stream. */
  rate: number;
  help: boolean;
}

export const USAGE = `usage: npm run demo [-- options]

  --messages N      OTPs to send (1-5000, default 300; the pumping guard shows with 300 or more)
  --concurrency N   most HTTP requests in flight (1-256, default 16)
  --rate N          target submits per second (1-5000, default 100)
  -h, --help        this help

Uses REDIS_URL if set (with a key prefix of its own, deleted at the end); otherwise starts a throwaway
redis-server (installing it with apt-get when missing and running as root).`;

const bounds = {
  messages: [1, 5000],
  concurrency: [1, 256],
  rate: [1, 5000],
} as const;

export function parseArgs(argv: string[]): DemoArgs {
  const args: DemoArgs = { messages: 300, concurrency: 16, rate: 100, help: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === "-h" || flag === "--help") {
      args.help = true;
      continue;
    }
    const [name, inline] = flag.startsWith("--") ? flag.slice(2).split("=", 2) : [flag, undefined];
    if (name !== "messages" && name !== "concurrency" && name !== "rate") {
      throw new Error(`unknown option ${flag}\n${USAGE}`);
    }
    const raw = inline ?? argv[++i];
    const value = Number(raw);
    const [min, max] = bounds[name];
    if (raw === undefined || !Number.isInteger(value) || value < min || value > max) {
      throw new Error(`--${name} must be a whole number from ${min} to ${max} (got ${raw ?? "nothing"})`);
    }
    args[name] = value;
  }
  return args;
}
