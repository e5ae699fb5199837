import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CODE, escalatingGateway, secrets } from "../../helpers/escalating-gateway.js";
import { runOtpgw } from "../../helpers/otpgw-cli.js";
import { waitUntil } from "../../helpers/wait.js";

/**
 * An incident override on an escalation channel (a WhatsApp outage, a blackout of mobile data): drained with the
 * operators' command line, escalation skips it on the running daemon and goes to the route's next channel.
 */
describe("draining an escalation channel", () => {
  it("sends voice instead of WhatsApp while WhatsApp is drained, and WhatsApp again once undrained", async () => {
    const gw = await escalatingGateway({ carrierOutcome: "UNDELIV", whatsapp: "deliver", voice: "deliver" });
    const otpgw = (...args: string[]) =>
      runOtpgw([...args, "--config", join(gw.daemon.dir, "otpgw.yaml")], {
        env: { PATH: process.env.PATH, USER: "noc-1", ...secrets },
      });
    const drained = async (value: number) => {
      const text = await (await fetch(`http://127.0.0.1:${gw.metricsPort}/metrics`)).text();
      return text.includes(`otpgw_carrier_drained{carrier="whatsapp"} ${value}`);
    };

    const drain = await otpgw("carriers", "drain", "whatsapp", "--reason", "data blackout", "--for", "1h");
    expect(drain.stderr).toBe("");
    expect(drain.stdout).toMatch(/^whatsapp drained by noc-1 until \S+Z \(in 1h\): data blackout$/m);
    await waitUntil(() => drained(1), 5000, "the daemon to see the drain");
    const list = await otpgw("carriers", "list");
    expect(list.stdout).toMatch(/^whatsapp\s+drained\s/m);
    expect(list.stdout).toMatch(/^voice\s+active\s/m);
    expect(list.stdout).not.toContain("not in carriers/");
    const url = `http://127.0.0.1:${gw.metricsPort}/metrics`;
    const watch = await otpgw("watch", "--count", "1", "--interval", "0.2", "--metrics-url", url);
    expect(watch.stdout).toMatch(
      /^escalation sends: whatsapp \S+\/s \(failed \S+\/s, drained\), voice \S+\/s \(failed \S+\/s\)$/m,
    );

    const during = await gw.final(await gw.send("+628111000101"));
    expect(during.state).toBe("delivered");
    expect(during.attempts.map((a) => [a.channel, a.outcome])).toEqual([
      ["sms", "failed"],
      ["voice", "delivered"],
    ]);
    expect(gw.whatsapp.received).toHaveLength(0);
    expect(gw.voice.received.map((s) => [s.to, s.code])).toEqual([["+628111000101", CODE]]);

    expect((await otpgw("carriers", "undrain", "whatsapp")).code).toBe(0);
    await waitUntil(() => drained(0), 5000, "the daemon to see the drain lifted");
    const after = await gw.final(await gw.send("+628111000102"));
    expect(after.attempts.map((a) => [a.channel, a.outcome])).toEqual([
      ["sms", "failed"],
      ["whatsapp", "delivered"],
    ]);
  }, 60_000);

  it("drains a channel in one country only: another country's drain leaves its messages alone", async () => {
    const gw = await escalatingGateway({ carrierOutcome: "UNDELIV", whatsapp: "deliver", voice: "deliver" });
    const otpgw = (...args: string[]) =>
      runOtpgw([...args, "--config", join(gw.daemon.dir, "otpgw.yaml")], {
        env: { PATH: process.env.PATH, USER: "noc-1", ...secrets },
      });
    const drained = async (id: string, value: number) =>
      (await (await fetch(`http://127.0.0.1:${gw.metricsPort}/metrics`)).text()).includes(
        `otpgw_carrier_drained{carrier="${id}"} ${value}`,
      );
    const channels = async (to: string) =>
      (await gw.final(await gw.send(to))).attempts.map((a) => a.channel).join(" ");

    const korea = await otpgw(
      "carriers",
      "drain",
      "whatsapp",
      "--country",
      "KR",
      "--reason",
      "blackout in KR",
    );
    expect(korea.stdout).toMatch(/^whatsapp in KR drained by noc-1: blackout in KR$/m);
    expect(korea.stdout).toContain("Lift it with: otpgw carriers undrain whatsapp --country KR");
    await waitUntil(() => drained("whatsapp@KR", 1), 5000, "the daemon to see the drain in KR");
    expect(await channels("+628111000111")).toBe("sms whatsapp");

    expect((await otpgw("carriers", "drain", "whatsapp", "--country", "ID")).code).toBe(0);
    await waitUntil(() => drained("whatsapp@ID", 1), 5000, "the daemon to see the drain in ID");
    expect(await channels("+628111000112")).toBe("sms voice");
    const list = await otpgw("carriers", "list");
    expect(list.stdout).toMatch(/^whatsapp@ID\s+drained\s/m);
    expect(list.stdout).toMatch(/^whatsapp\s+active\s/m);
    expect(list.stdout).not.toContain("not in carriers/");

    const lift = await otpgw("carriers", "undrain", "whatsapp", "--country", "ID");
    expect(lift.stdout).toMatch(/^whatsapp in ID undrained by noc-1 \(drained by noc-1 since \S+Z\)$/m);
    await waitUntil(() => drained("whatsapp@ID", 0), 5000, "the daemon to see it lifted");
    expect(await channels("+628111000113")).toBe("sms whatsapp");
  }, 60_000);

  it("refuses to weight a channel, or to drain one otpgw.yaml does not configure", async () => {
    const gw = await escalatingGateway({ carrierOutcome: "UNDELIV", whatsapp: "deliver", voice: "deliver" });
    const otpgw = (...args: string[]) =>
      runOtpgw([...args, "--config", join(gw.daemon.dir, "otpgw.yaml")], {
        env: { PATH: process.env.PATH, USER: "noc-1", ...secrets },
      });
    const weight = await otpgw("carriers", "weight", "voice", "50");
    expect(weight.code).toBe(1);
    expect(weight.stderr).toContain(
      "voice is an escalation channel: it can be drained (skipped by escalation), not weighted",
    );
    const carrierInCountry = await otpgw("carriers", "drain", "id-a", "--country", "ID");
    expect(carrierInCountry.code).toBe(1);
    expect(carrierInCountry.stderr).toContain("--country goes with an escalation channel (id-a is a carrier");
    const badCountry = await otpgw("carriers", "drain", "whatsapp", "--country", "UK");
    expect(badCountry.code).toBe(1);
    expect(badCountry.stderr).toContain(
      '--country: "UK" is not an ISO 3166-1 alpha-2 code; the United Kingdom is "GB"',
    );
    const unknown = await otpgw("carriers", "drain", "telegram");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(
      /unknown carrier "telegram" \(carriers in .*: id-a; channels: whatsapp, voice\)/,
    );
  }, 60_000);
});
