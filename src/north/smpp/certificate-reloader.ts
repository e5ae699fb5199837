/**
 * Puts a renewed certificate on the SMPP TLS listener without a restart (a restart would drop every ESME's bind):
 * on `reload()` (SIGHUP) and whenever the key or certificate file changes (checked every `intervalMs`, 60 s in the
 * daemon — a Kubernetes secret or cert-manager rotates the files in place). New handshakes get the new certificate;
 * sessions already open keep theirs. Files that cannot be used (half-written, a key of another certificate, expired)
 * leave the current certificate in place, with an error log; the next change or reload tries again.
 */
import { stat } from "node:fs/promises";
import { X509Certificate } from "node:crypto";
import { certificateExpiry } from "../../config/tls-files.js";
import type { Logger } from "../../observability/logger.js";

export interface CertificateReloaderOptions {
  files: { keyFile: string; certFile: string };
  /** Reads and checks the files (config/tls-files.ts); throws with the reason when they cannot be used. */
  load: () => { key: Buffer; cert: Buffer };
  /** Installs them on the listener. */
  apply: (material: { key: Buffer; cert: Buffer }) => void;
  /** Told the installed certificate's expiry (Unix seconds), at start and after each reload. */
  expiry?: (unixSeconds: number) => void;
  logger: Logger;
  intervalMs: number;
}

export class CertificateReloader {
  private readonly options: CertificateReloaderOptions;
  private timer: NodeJS.Timeout | undefined;
  private seen = "";
  private current: Buffer | undefined;
  private running: Promise<boolean> | undefined;

  constructor(options: CertificateReloaderOptions) {
    this.options = options;
  }

  /** Records the files as installed at start-up (their certificate and modification times), then watches them. */
  async start(installedCert: Buffer): Promise<void> {
    this.current = installedCert;
    this.options.expiry?.(certificateExpiry(installedCert));
    this.seen = await this.fingerprint();
    this.timer = setInterval(() => void this.reloadIfChanged(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reloads now (SIGHUP). Resolves true when a different certificate was installed. */
  reload(): Promise<boolean> {
    this.running ??= this.load().finally(() => (this.running = undefined));
    return this.running;
  }

  private async reloadIfChanged(): Promise<void> {
    const now = await this.fingerprint();
    if (now === this.seen) return;
    await this.reload();
  }

  /** Sizes and modification times of both files: a change in either is worth a reload. */
  private async fingerprint(): Promise<string> {
    const { keyFile, certFile } = this.options.files;
    const parts = await Promise.all(
      [keyFile, certFile].map((file) =>
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
    const { logger } = this.options;
    let material: { key: Buffer; cert: Buffer };
    try {
      material = this.options.load();
    } catch (error) {
      logger.error(
        { err: (error as Error).message },
        "SMPP TLS certificate not reloaded: the current one stays",
      );
      return false;
    }
    if (this.current?.equals(material.cert)) return false;
    this.options.apply(material);
    this.current = material.cert;
    const certificate = new X509Certificate(material.cert);
    this.options.expiry?.(certificateExpiry(material.cert));
    logger.info(
      { subject: certificate.subject, serial: certificate.serialNumber, validTo: certificate.validTo },
      "SMPP TLS certificate reloaded",
    );
    return true;
  }
}
