/**
 * The schema of the daemon settings file (`otpgw.yaml`, snake_case as written). Every key is optional and
 * takes its default from `defaults.daemon`; unknown keys are errors.
 */
import * as z from "zod";
import { defaults, limits } from "./defaults.js";

const d = defaults.daemon;

const listener = (fallback: { host: string; port: number }) =>
  z
    .strictObject({
      host: z.string().min(1).default(fallback.host),
      port: z.number().int().min(limits.listenPortMin).max(limits.portMax).default(fallback.port),
    })
    .prefault({});

export const daemonFileSchema = z
  .strictObject({
    log_level: z.enum(limits.logLevels).default(d.logLevel),
    carriers_dir: z.string().min(1).default(d.carriersDir),
    routes_file: z.string().min(1).default(d.routesFile),
    redis_url: z
      .string()
      .regex(/^rediss?:\/\/\S+$/, { error: "must be a redis:// or rediss:// URL" })
      .optional(),
    http: listener(d.http),
    metrics: listener(d.metrics),
    shutdown_timeout_ms: z.number().int().min(1).max(limits.timerMaxMs).default(d.shutdownTimeoutMs),
  })
  .superRefine((settings, ctx) => {
    const port = settings.metrics.port;
    if (port !== 0 && port === settings.http.port) {
      ctx.addIssue({
        code: "custom",
        path: ["metrics", "port"],
        message: `must differ from http.port (${port})`,
      });
    }
  });

export type DaemonFile = z.output<typeof daemonFileSchema>;
