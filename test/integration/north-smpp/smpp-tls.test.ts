import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { Esme, startServer } from "./smpp-fixture.js";

/** A throwaway self-signed certificate for 127.0.0.1 (openssl is on every Debian machine). */
function selfSigned(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), "otpgw-tls-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
    ],
    { stdio: "ignore" },
  );
  return { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) };
}

describe("SMPP over TLS", () => {
  it("serves binds and submits on the TLS listener beside the plain one", async () => {
    const { key, cert } = selfSigned();
    const fixture = await startServer({ server: { tls: { host: "127.0.0.1", port: 0, key, cert } } });
    expect(fixture.tlsPort).toBeGreaterThan(0);
    const esme = await Esme.connectTls(fixture.tlsPort!);
    expect((await esme.bind()).command_status).toBe(0);
    // The well-behaved ESME's submit_sm (AcmeOTP to 6281234567890, "Your code is 123456").
    expect((await esme.submit()).command_status).toBe(0);
    expect(fixture.delivery.accepted).toHaveLength(1);
  });
});
