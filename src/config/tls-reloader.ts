/**
 * Installs renewed TLS files without a restart (a restart drops every ESME's bind): on `reload()` (SIGHUP) and
 * whenever one of the files changes (checked every `intervalMs`, a minute in the daemon — a Kubernetes secret or
 * cert-manager rotates files in place). Used for the SMPP TLS listener (new handshakes get the new certificate,
 * open sessions keep theirs) and for Redis's client files (the next connection uses them; open ones stay). Files
 * that cannot be used (half-written, a key of another certificate, expired) leave the current ones in place, with
 * an error log; the next change or reload tries again.
 */
import { stat } from "node:fs/promises";
import { X509Certificate } from "node:crypto";
import type { Logger } from "../observability/logger.js";
import { certificateExpiry, expiryOf, type TlsMaterial } from "./tls-files.js";

export interface TlsReloaderOptions<M extends TlsMaterial> {
  /** What is reloaded, for the log lines: "SMPP TLS certificate", "Redis TLS files". */
  name: string;
  /** The files to watch. */
  files: string[];
  /** Reads and checks the files (tls-files.ts); throws with the reason when they cannot be used. */
  load: () => M;
  /** Installs them. */
  apply: (material: M) => void;
  /** Told the installed certificate's expiry (Unix seconds), at start and after each reload, when there is one. */
  expiry?: (unixSeconds: number) => void;
  logger: Logger;
  intervalMs: number;
}

/** The files' contents as one comparable string: a reload that changes nothing installs nothing. */
function contents(material: TlsMaterial): string {
  return [material.ca, material.cert, material.key].map((b) => b?.toString("base64") ?? "").join("|");
}

export class TlsReloader<M extends TlsMaterial> {
  private readonly options: TlsReloaderOptions<M>;
  private timer: NodeJS.Timeout | undefined;
  private seen = "";
  private current = "";
  private running: Promise<boolean> | undefined;

  constructor(options: TlsReloaderOptions<M>) {
    this.options = options;
  }

  /** Records what was installed at start-up, then watches the files. */
  async start(installed: M): Promise<void> {
    this.current = contents(installed);
    if (installed.cert) this.options.expiry?.(certificateExpiry(installed.cert));
    this.seen = await this.fingerprint();
    this.timer = setInterval(() => void this.reloadIfChanged(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reloads now (SIGHUP). Resolves true when different files were installed. */
  reload(): Promise<boolean> {
    this.running ??= this.load().finally(() => (this.running = undefined));
    return this.running;
  }

  private async reloadIfChanged(): Promise<void> {
    if ((await this.fingerprint()) !== this.seen) await this.reload();
  }

  /** Sizes and modification times of the files: a change in any is worth a reload. */
  private async fingerprint(): Promise<string> {
    const parts = await Promise.all(
      this.options.files.map((file) =>
        stat(file).then(
          (s) => `${s.size}:${s.mtimeMs}`,
          () => "missing",
        ),
      ),
    );
    return parts.join("/");
  }

  private async load(): Promise<boolean> {
    this.seen = await this.fingerprint();
    const { logger, name } = this.options;
    let material: M;
    try {
      material = this.options.load();
    } catch (error) {
      logger.error({ err: (error as Error).message }, `${name} not reloaded: the current ones stay`);
      return false;
    }
    const loaded = contents(material);
    if (loaded === this.current) return false;
    this.options.apply(material);
    this.current = loaded;
    if (!material.cert) {
      logger.info(`${name} reloaded`);
      return true;
    }
    const certificate = new X509Certificate(material.cert);
    this.options.expiry?.(expiryOf(certificate));
    logger.info(
      { subject: certificate.subject, serial: certificate.serialNumber, validTo: certificate.validTo },
      `${name} reloaded`,
    );
    return true;
  }
}
