import { describe, expect, it } from "vitest";
import { createSmppAuthenticator, hashPassword } from "../../../src/north/accounts/smpp-auth.js";
import { SmppStatus } from "../../../src/smpp/command-status.js";
import { account, Esme, PASSWORD, startServer } from "./smpp-fixture.js";

describe("SMPP server with the accounts' authenticator", () => {
  it("binds with the right password and refuses a wrong one with ESME_RINVPASWD", async () => {
    const acme = account({}, { passwordHash: await hashPassword(PASSWORD), allowedIps: ["127.0.0.0/8"] });
    const authenticator = createSmppAuthenticator({ file: "accounts.yaml", accounts: [acme] });
    const fixture = await startServer({
      accounts: [acme],
      authenticate: (systemId, password, ip) => authenticator.authenticate(systemId, password, ip),
    });
    const good = await Esme.connect(fixture.port);
    expect((await good.bind()).command_status).toBe(0);
    const bad = await Esme.connect(fixture.port);
    expect((await bad.bind("bind_transceiver", { password: "nope" })).command_status).toBe(
      SmppStatus.ESME_RINVPASWD,
    );
    expect((await good.submit()).command_status).toBe(0);
  });
});
