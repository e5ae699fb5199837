import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import smpp from "smpp";
import { describe, expect, it, onTestFinished } from "vitest";
import { PASSWORD, startServer } from "./smpp-fixture.js";

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
    const session = smpp.connect({
      host: "127.0.0.1",
      port: fixture.tlsPort!,
      tls: true,
      rejectUnauthorized: false,
    });
    onTestFinished(() => session.destroy());
    session.on("error", () => undefined);
    await once(session, "secureConnect");
    const request = (command: string, fields: smpp.PduFields) =>
      new Promise<smpp.PDU>((resolve) => session.send(new smpp.PDU(command, fields), resolve));
    const bind = await request("bind_transceiver", {
      system_id: "acme",
      password: PASSWORD,
      interface_version: 0x34,
    });
    expect(bind.command_status).toBe(0);
    const submit = await request("submit_sm", {
      source_addr: "AcmeOTP",
      source_addr_ton: 5,
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: "6281234567890",
      data_coding: 0,
      short_message: Buffer.from("Your code is 123456"),
    });
    expect(submit.command_status).toBe(0);
    expect(fixture.delivery.accepted).toHaveLength(1);
  });
});
