import { createHash } from "node:crypto";
import type smpp from "smpp";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { hashPassword } from "../../../src/north/accounts/password-hash.js";
import { SmppStatus } from "../../../src/smpp/command-status.js";
import { startCarrierSim } from "../../helpers/carrier-sim.js";
import { FIXTURE_ACCOUNT } from "../../helpers/daemon-fixture.js";
import { waitUntil } from "../../helpers/wait.js";
import { Esme } from "../north-smpp/smpp-fixture.js";
import { smppGateway } from "./smpp-gateway.js";

const NEW_KEY = "rotated-key-fedcba9876543210";
const NEW_PASSWORD = "n3wpass";

describe("accounts.yaml reloaded on SIGHUP (the daemon as a process)", () => {
  it("a rotated API key and SMPP password apply at once: the old key gets 401, sessions bound with the old password are unbound, the new ones work", async () => {
    const sim = await startCarrierSim({ receiptLatencyMs: { min: 5, max: 20 } });
    const { daemon, esme } = await smppGateway({
      redisUrl: inject("redisUrl"),
      carriers: [{ id: "id-sim", port: sim.port! }],
    });
    const send = (key: string) =>
      daemon.api("/v1/messages", {
        method: "POST",
        headers: { authorization: `Bearer ${key}` },
        body: { to: "+6281234567890", from: FIXTURE_ACCOUNT.sender, text: "Your code is 771204" },
      });
    // A well-behaved ESME: asked to unbind, it answers (otpgw then closes the session).
    let unbindAsked = false;
    esme.session.on("unbind", (pdu: smpp.PDU) => {
      unbindAsked = true;
      esme.session.send(pdu.response());
    });
    expect((await send(FIXTURE_ACCOUNT.apiKey)).status).toBe(202);
    expect((await send(NEW_KEY)).status).toBe(401);

    const file = join(daemon.dir, "accounts.yaml");
    const before = await readFile(file, "utf8");
    const oldDigest = createHash("sha256").update(FIXTURE_ACCOUNT.apiKey).digest("hex");
    const newDigest = createHash("sha256").update(NEW_KEY).digest("hex");
    const rotated = before
      .replace(oldDigest, newDigest)
      .replace(/password_hash: "[^"]+"/, `password_hash: "${await hashPassword(NEW_PASSWORD)}"`);
    expect(rotated).not.toBe(before);
    await writeFile(file, rotated);
    daemon.signal("SIGHUP");
    await waitUntil(
      () => daemon.logLines.some((l) => l.includes("new accounts in use")),
      10_000,
      "the accounts reload",
    );
    const line = JSON.parse(daemon.logLines.find((l) => l.includes("new accounts in use"))!) as Record<
      string,
      unknown
    >;
    expect(line).toMatchObject({ changed: ["acme"], added: [], removed: [], unbound: 1 });
    expect(JSON.stringify(daemon.logLines)).not.toContain(NEW_PASSWORD);

    // The session bound with the rotated password is unbound; the old key and password no longer work.
    await waitUntil(() => esme.closed, 10_000, "the old session's unbind");
    expect(unbindAsked).toBe(true);
    expect((await send(FIXTURE_ACCOUNT.apiKey)).status).toBe(401);
    expect((await send(NEW_KEY)).status).toBe(202);
    const old = await Esme.connect(daemon.ports!.smpp!);
    expect((await old.bind()).command_status).toBe(SmppStatus.ESME_RINVPASWD);
    const fresh = await Esme.connect(daemon.ports!.smpp!);
    expect((await fresh.bind("bind_transceiver", { password: NEW_PASSWORD })).command_status).toBe(0);
    const submitted = await fresh.submit({
      source_addr: FIXTURE_ACCOUNT.sender,
      destination_addr: "6281234567891",
    });
    expect(submitted.command_status).toBe(0);

    const metrics = await (await fetch(`http://127.0.0.1:${daemon.ports!.metrics}/metrics`)).text();
    expect(metrics).toMatch(/otpgw_config_reloads_total\{result="applied"\} 1\n/);
    expect(metrics).toMatch(/otpgw_config_restart_pending 0\n/);
  }, 60_000);
});
