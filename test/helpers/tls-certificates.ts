import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onTestFinished } from "vitest";

/** PEM files of a throwaway private CA and what it signed, for TLS tests on 127.0.0.1. */
export interface TestCertificates {
  dir: string;
  /** The CA that signed the server and client certificates. */
  caFile: string;
  /** A server certificate for 127.0.0.1 and localhost, and its key. */
  serverCertFile: string;
  serverKeyFile: string;
  /** A client certificate (CN otpgw), and its key. */
  clientCertFile: string;
  clientKeyFile: string;
  /** Another CA, which signed none of them. */
  otherCaFile: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

const ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

function selfSignedCa(dir: string, name: string): void {
  openssl(dir, [
    "req",
    "-x509",
    ...ecKey,
    "-days",
    "1",
    "-subj",
    `/CN=${name}`,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.pem`,
  ]);
}

function signed(dir: string, name: string, subject: string, extensions: string, ca = "ca"): void {
  writeFileSync(join(dir, `${name}.ext`), `${extensions}\n`);
  openssl(dir, ["req", ...ecKey, "-subj", subject, "-keyout", `${name}.key`, "-out", `${name}.csr`]);
  openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${ca}.pem`,
    "-CAkey",
    `${ca}.key`,
    "-CAcreateserial",
    "-days",
    "1",
    "-extfile",
    `${name}.ext`,
    "-out",
    `${name}.pem`,
  ]);
}

/** Made with the openssl command (on every Debian machine) in a directory deleted when the test finishes. */
export function testCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), "otpgw-certs-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  selfSignedCa(dir, "ca");
  selfSignedCa(dir, "other-ca");
  signed(dir, "server", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1,DNS:localhost");
  signed(dir, "client", "/CN=otpgw", "extendedKeyUsage=clientAuth");
  return {
    dir,
    caFile: join(dir, "ca.pem"),
    serverCertFile: join(dir, "server.pem"),
    serverKeyFile: join(dir, "server.key"),
    clientCertFile: join(dir, "client.pem"),
    clientKeyFile: join(dir, "client.key"),
    otherCaFile: join(dir, "other-ca.pem"),
  };
}

/** Another server certificate for 127.0.0.1 signed by the same CA (a renewal), in `certs.dir` as `<name>.pem/.key`. */
export function renewedServerCertificate(
  certs: TestCertificates,
  name: string,
): { certFile: string; keyFile: string } {
  signed(certs.dir, name, "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1,DNS:localhost");
  return { certFile: join(certs.dir, `${name}.pem`), keyFile: join(certs.dir, `${name}.key`) };
}

/** A client certificate signed by the other CA (a renewal from a new CA), in `certs.dir` as `<name>.pem/.key`. */
export function otherCaClientCertificate(
  certs: TestCertificates,
  name: string,
): { certFile: string; keyFile: string } {
  signed(certs.dir, name, "/CN=otpgw", "extendedKeyUsage=clientAuth", "other-ca");
  return { certFile: join(certs.dir, `${name}.pem`), keyFile: join(certs.dir, `${name}.key`) };
}

/**
 * redis-server arguments for a TLS port beside the plain one (the test's admin connections use the plain one;
 * otpgw is given only the TLS port). `authClients`: whether Redis demands a client certificate.
 */
export function redisTlsArgs(certs: TestCertificates, tlsPort: number, authClients: boolean): string[] {
  return [
    "--tls-port",
    String(tlsPort),
    "--tls-cert-file",
    certs.serverCertFile,
    "--tls-key-file",
    certs.serverKeyFile,
    "--tls-ca-cert-file",
    certs.caFile,
    "--tls-auth-clients",
    authClients ? "yes" : "no",
  ];
}

/**
 * otpgw.yaml's `redis_tls` block trusting the test CA (or `caFile`), with the client certificate unless `client` is
 * false, and `serverName` when given.
 */
export function redisTlsSettings(
  certs: TestCertificates,
  options: { client?: boolean; caFile?: string; serverName?: string } = {},
): string {
  return [
    "redis_tls:",
    `  ca_file: ${options.caFile ?? certs.caFile}`,
    ...(options.client === false
      ? []
      : [`  cert_file: ${certs.clientCertFile}`, `  key_file: ${certs.clientKeyFile}`]),
    ...(options.serverName === undefined ? [] : [`  server_name: ${options.serverName}`]),
  ].join("\n");
}
