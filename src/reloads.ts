/**
 * What SIGHUP reloads without a restart: the TLS files (smpp.tls, redis_tls; also picked up within a minute of a
 * change) and the configuration files, of which the route table and the accounts are applied
 * (src/config/config-reload.ts).
 */
import type { ConfigReload } from "./config/config-reload.js";
import type { TlsMaterial } from "./config/tls-files.js";
import { TlsReloader } from "./config/tls-reloader.js";
import type { Logger } from "./observability/logger.js";
import type { Metrics } from "./observability/metrics.js";
import type { ShutdownSequence } from "./shutdown-sequence.js";

/** How often watched TLS files are checked for a renewal. */
const TLS_FILE_CHECK_MS = 60_000;

export interface TlsWatch<M extends TlsMaterial> {
  /** For the log lines: "SMPP TLS certificate", "Redis TLS files". */
  name: string;
  /** The expiry gauge's `use` label. */
  use: "smpp_listener" | "redis_client";
  files: (string | undefined)[];
  /** What is in use now. */
  installed: M;
  load: () => M;
  apply: (material: M) => void;
}

export class Reloads {
  private readonly tls: { reload(): Promise<boolean> }[] = [];
  /** The configuration files' reload, when the daemon was started from files it can read again. */
  config: ConfigReload | undefined;

  constructor(
    private readonly deps: {
      logger: Logger;
      metrics: Pick<Metrics, "tlsCertificateExpiry">;
      closers: ShutdownSequence;
    },
  ) {}

  /** Watches TLS files: installed when they change (checked every minute) or on SIGHUP, stopped at shutdown. */
  async watchTls<M extends TlsMaterial>(watch: TlsWatch<M>): Promise<void> {
    const reloader = new TlsReloader<M>({
      name: watch.name,
      files: watch.files.filter((f): f is string => f !== undefined),
      load: watch.load,
      apply: watch.apply,
      expiry: (at) => this.deps.metrics.tlsCertificateExpiry.set({ use: watch.use }, at),
      logger: this.deps.logger,
      intervalMs: TLS_FILE_CHECK_MS,
    });
    await reloader.start(watch.installed);
    this.tls.push(reloader);
    this.deps.closers.add({ name: `${watch.name} watch`, close: () => Promise.resolve(reloader.stop()) });
  }

  /** SIGHUP: the TLS files and the configuration, each reporting its own outcome in the log. */
  async reload(): Promise<void> {
    await Promise.all([...this.tls.map((r) => r.reload()), this.config?.reload()]);
  }
}
