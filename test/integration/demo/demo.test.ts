import { existsSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { dirname } from "node:path";
import { describe, expect, it } from "vitest";
import { isListening } from "../../../scripts/lib/free-port.js";
import { DEMO_LIMIT_MS, conversionRows, portedRow, processIsGone, row, runDemo } from "./demo-output.js";

/**
 * What the pumping attack (scenario.ts, PUMPING_ATTACK) must come to under the demo account's limits: the walk
 * through 60 numbers of one range gets per_range_limit (10) through, the 5 repeats to one number per_number_limit
 * (3), the 3 numbers of a country the account does not list none. Whichever submits reach Redis first get through;
 * how many does not depend on the order.
 */
const ATTACK = {
  range: { submits: 60, accepted: 10 },
  number: { submits: 5, accepted: 3 },
  country: { submits: 3, accepted: 0 },
};
/** The volume limits' window (seconds): a refusal's Retry-After is at most this. */
const LIMIT_WINDOW_SECONDS = 600;
const ATTACK_SUBMITS = ATTACK.range.submits + ATTACK.number.submits + ATTACK.country.submits;
const ATTACK_ACCEPTED = ATTACK.range.accepted + ATTACK.number.accepted;
/**
 * The OTPs of normal traffic: the default, the fewest with which the account's pumping guard can judge the walk's
 * range (it judges nothing before the account has 100 judged deliveries: 135 OTPs with the escalated ones).
 */
const NORMAL = 300;
/**
 * The pumping guard (scenario.ts, DEMO_ACCOUNT.pumpingGuard): min_deliveries 6, conversion_wait_seconds 2,
 * block_seconds 600. The platform never uses the walk's codes, so otpgw blocks its range for the account; then a
 * second wave of 10 more numbers of the range must all be refused by the block.
 */
const GUARD = { range: "+6281988880", minDeliveries: 6, waitSeconds: 2, blockSeconds: 600, wave: 10 };

describe("npm run demo", () => {
  it(
    "sends 300 OTPs end to end, reroutes around the downed carrier, escalates Indonesian OTPs SMS could not deliver to WhatsApp and voice, shows the lying carrier's low conversion share, refuses the pumping attack beyond the anti-abuse limits, blocks the walked range by its unused codes and refuses a second wave, routes ported numbers by their new network, prints a consistent summary and cleans up",
    { timeout: DEMO_LIMIT_MS + 30_000 },
    async () => {
      const run = await runDemo(["--messages", String(NORMAL)]);
      const out = run.stdout;
      // The normal traffic and the part of the attack under the limits: real messages alike.
      const accepted = NORMAL + ATTACK_ACCEPTED;
      const logFile = /otpgw's log: (\S+)/.exec(out)?.[1] ?? /see (\S+daemon\.log)/.exec(run.stderr)?.[1];
      try {
        if (run.stderr.includes("demo failed") && logFile && existsSync(logFile)) {
          // Show why the daemon failed before the log is deleted below.
          const tail = readFileSync(logFile, "utf8").split("\n").slice(-40).join("\n");
          expect.fail(`${run.stderr}\ndaemon log tail:\n${tail}`);
        }
        expect(run.stderr).not.toContain("demo failed");
        expect(run.code, `stdout:\n${out}\nstderr:\n${run.stderr}`).toBe(0);

        // Every section is there, and the traffic went as planned.
        for (const heading of [
          "Per carrier",
          `Final states of the ${accepted} accepted messages`,
          "Reroutes:",
          "Escalation:",
          "Conversions:",
          "Webhooks",
          "Anti-abuse: SMS pumping against the account's limits",
          "Pumping guard: a range whose delivered codes go unused is blocked",
          "Checks: all passed",
          "Timings:",
        ]) {
          expect(out).toContain(heading);
        }
        expect(out).toContain(
          `OTPs: ${NORMAL} accepted, 0 refused; the attack: ${ATTACK_ACCEPTED} accepted, ${ATTACK_SUBMITS - ATTACK_ACCEPTED} refused`,
        );
        expect(out).toMatch(new RegExp(`id-telkomsel went down after ${NORMAL / 2} of ${NORMAL} OTPs`));

        // Final states add up to the accepted messages.
        const [delivered, undeliverable, expired] = ["delivered", "undeliverable", "expired"].map(
          (state) => row(out, state)[0]!,
        );
        expect(row(out, "total")[0]).toBe(accepted);
        expect(delivered! + undeliverable! + expired!).toBe(accepted);
        expect(delivered).toBeGreaterThan(0);

        // Each carrier took traffic; its attempts are at most the whole messages its simulator received
        // plus the ones lost in the outage, and every message was attempted at least once.
        const carriers = ["id-telkomsel", "id-indosat", "kr-skt"].map((id) => {
          const [submitPdus, throttled, messages, attempts] = row(out, id);
          return {
            id,
            submitPdus: submitPdus!,
            throttled: throttled!,
            messages: messages!,
            attempts: attempts!,
          };
        });
        for (const c of carriers) {
          expect(c.submitPdus, c.id).toBeGreaterThan(0);
          expect(c.submitPdus, c.id).toBeGreaterThanOrEqual(c.messages);
          expect(c.attempts, c.id).toBeGreaterThan(0);
        }
        expect(carriers.reduce((n, c) => n + c.attempts, 0)).toBeGreaterThanOrEqual(accepted);

        // The outage made some messages move to another carrier.
        const reroutes = Number(/Reroutes: (\d+) messages/.exec(out)?.[1]);
        expect(reroutes).toBeGreaterThan(0);

        // Indonesian messages that SMS could not deliver went on to WhatsApp (and some to voice); every send the
        // channel simulators took is an attempt otpgw reports, and the escalation checks passed ("Checks: all
        // passed" above: never after the code expired, each channel once, one attempt at a time, the code alone).
        expect(out).toMatch(
          /Escalation: whatsapp, then voice once SMS is spent, on routes .*; none on south-korea/,
        );
        const escalated = Number(/^ {2}(\d+) messages escalated/m.exec(out)?.[1]);
        expect(escalated).toBeGreaterThan(0);
        expect(escalated).toBeLessThanOrEqual(accepted);
        for (const channel of ["whatsapp", "voice"]) {
          // escalated, delivered, failed, refused, timed out, not sent, other, cut by expiry, sends, statuses.
          const [count, delivered, failed, refused, timedOut, notSent, other, , sends] = row(out, channel);
          expect(delivered! + failed! + refused! + timedOut! + notSent! + other!, channel).toBe(count);
          // An attempt the message outlived ("other") may or may not have been sent.
          expect(sends, channel).toBeGreaterThanOrEqual(count! - notSent! - other!);
          expect(sends, channel).toBeLessThanOrEqual(count! - notSent!);
        }
        expect(row(out, "whatsapp")[0]).toBe(escalated);
        expect(out).toMatch(/Delivered messages by channel: .*sms \d+/);
        expect(out).toMatch(/the latest started with \d+\.\d s of validity left/);

        // Conversions, as otpgw counts them: every delivered message counted once for the carrier or channel that
        // delivered it, at most all of them converted; kr-skt's receipts say DELIVRD (all but its rare UNDELIV), yet
        // half its codes never arrive, so its conversion share is below the honest carriers' together. The checks
        // above passed: every report was answered 200, shows as converted_at, and the counters agree.
        const conversions = conversionRows(out);
        for (const carrier of ["id-telkomsel", "id-indosat", "kr-skt"])
          expect(conversions.has(carrier)).toBe(true);
        let countedDelivered = 0;
        for (const [label, c] of conversions) {
          expect(c.converted, label).toBeLessThanOrEqual(c.delivered);
          countedDelivered += c.delivered;
        }
        expect(countedDelivered).toBe(delivered);
        const liar = conversions.get("kr-skt")!;
        expect(liar.delivered).toBeGreaterThan(0);
        // 3 % UNDELIV: even ten of them among ~110 receipts keep the share above 70 %.
        expect(liar.delivrdShare).toBeGreaterThanOrEqual(70);
        expect(liar.delivrdShare).toBeGreaterThan(liar.share!);
        expect(liar.converted).toBeLessThanOrEqual(Math.ceil(liar.delivered / 2));
        const honest = ["id-telkomsel", "id-indosat"].map((id) => conversions.get(id)!);
        const honestDelivered = honest.reduce((n, c) => n + c.delivered, 0);
        const honestConverted = honest.reduce((n, c) => n + c.converted, 0);
        expect(honestDelivered).toBeGreaterThan(0);
        expect(liar.converted / liar.delivered).toBeLessThan(honestConverted / honestDelivered);
        // The prose is wrapped: compare it with single spaces.
        const prose = out.replace(/\s+/g, " ");
        expect(prose).toMatch(
          /kr-skt: \d+\.\d % of its receipts said DELIVRD, yet only \d+\.\d % of the codes it delivered were used/,
        );
        expect(prose).toMatch(/[1-9]\d* codes never arrived \(false DELIVRD\)/);

        // Webhooks: one per message, no duplicates, no bad signatures, all agreeing with GET.
        const webhookLine = out.split("\n")[out.split("\n").findIndex((l) => /^\s+received\s/.test(l)) + 2]!;
        const [received, unique, duplicates, badSignatures, malformed, missing, differ] = [
          ...webhookLine.matchAll(/\d+/g),
        ].map((m) => Number(m[0]));
        expect({ received, unique, duplicates, badSignatures, malformed, missing, differ }).toEqual({
          received: accepted,
          unique: accepted,
          duplicates: 0,
          badSignatures: 0,
          malformed: 0,
          missing: 0,
          differ: 0,
        });

        // Anti-abuse: per limit, the attack's submits, how many got through, how many the sender saw refused, what
        // otpgw counted (otpgw_submits_limited_total) and the answer — exactly as the limits say; the normal traffic
        // untouched. (The checks above passed too: the counter agrees, no normal OTP refused.)
        const answers = {
          range: "429 OTPGW_ERR_HTTP_VOLUME_LIMITED",
          number: "429 OTPGW_ERR_HTTP_VOLUME_LIMITED",
          country: "422 OTPGW_ERR_HTTP_COUNTRY_NOT_ALLOWED",
        };
        for (const [limit, { submits, accepted: through }] of Object.entries(ATTACK)) {
          const answer = answers[limit as keyof typeof answers];
          const line = new RegExp(`^ +${limit} +(\\d+) +(\\d+) +(\\d+) +(\\d+) +(.+?) *$`, "m").exec(out);
          expect(line, `no anti-abuse row "${limit}" in:\n${out}`).not.toBeNull();
          const refused = submits - through;
          expect(
            line!.slice(1).map((c, i) => (i < 4 ? Number(c) : c)),
            limit,
          ).toEqual([submits, through, refused, refused, `${answer} × ${refused}`]);
        }
        const retryAfter = /Retry-After (\d+)(?:-(\d+))? s/.exec(out.replace(/\s+/g, " "));
        expect(Number(retryAfter?.[1])).toBeGreaterThan(0);
        expect(Number(retryAfter?.[2] ?? retryAfter?.[1])).toBeLessThanOrEqual(LIMIT_WINDOW_SECONDS);
        expect(out).toContain(`The ${NORMAL} OTPs of the normal traffic: 0 refused by a limit.`);

        // The pumping guard: the walk's codes were never used, so otpgw blocked its range — once, for the account,
        // some seconds after the attack (its receipts, the conversion wait, the guard's pass) — with the evidence in
        // its log; the second wave, sent once the block was in force, was refused whole with 422
        // OTPGW_ERR_HTTP_RANGE_BLOCKED, and otpgw counted those refusals and no other.
        expect(out).toContain(
          `Pumping guard: a range whose delivered codes go unused is blocked (min_deliveries ${GUARD.minDeliveries}, ` +
            `conversion_wait_seconds ${GUARD.waitSeconds}, block_seconds ${GUARD.blockSeconds})`,
        );
        expect(out).toMatch(
          new RegExp(
            `pumping guard: \\${GUARD.range}xxx blocked \\(in force \\d+\\.\\d s after the last submit\\); ` +
              `second wave of ${GUARD.wave}: ${GUARD.wave} × 422 OTPGW_ERR_HTTP_RANGE_BLOCKED$`,
            "m",
          ),
        );
        const evidence =
          /Evidence: of the walk's 10 messages per_range_limit let through, (\d+) were delivered \(what the guard judges\) and 0 of those codes used: nobody at a pumped number uses one\. Of the account's other deliveries, (\d+) of (\d+) codes were used/.exec(
            prose,
          );
        expect(evidence, prose).not.toBeNull();
        const [walkDelivered, othersConverted, othersDelivered] = evidence!.slice(1).map(Number);
        expect(walkDelivered).toBeGreaterThanOrEqual(GUARD.minDeliveries);
        expect(walkDelivered).toBeLessThanOrEqual(ATTACK.range.accepted);
        expect(othersDelivered).toBeGreaterThanOrEqual(100);
        expect(othersConverted! / othersDelivered!).toBeGreaterThan(0.3);
        const block = new RegExp(
          `Block: otpgw blocked \\${GUARD.range}xxx for the account (\\d+\\.\\d) s after the attack's first submit, ` +
            `for ${GUARD.blockSeconds} s: "0 of (\\d+) delivered codes used \\(0 %\\) where the account's are (\\d+) %: ` +
            `suspected SMS pumping" \\(its log line; otpgw_pumping_guard_blocks_total\\{account="demo"\\}: 1\\)`,
        ).exec(prose);
        expect(block, prose).not.toBeNull();
        const [blockedAfter, judged, accountShare] = block!.slice(1).map(Number);
        expect(blockedAfter).toBeGreaterThan(GUARD.waitSeconds);
        expect(blockedAfter).toBeLessThan(20);
        expect(judged).toBeGreaterThanOrEqual(GUARD.minDeliveries);
        expect(judged).toBeLessThanOrEqual(walkDelivered!);
        expect(accountShare).toBeGreaterThan(20);
        expect(out).toMatch(/^ +first: the walk +60 +10 +50 +429 OTPGW_ERR_HTTP_VOLUME_LIMITED × 50 *$/m);
        expect(out).toMatch(
          new RegExp(
            `^ +second: once blocked +${GUARD.wave} +0 +${GUARD.wave} +422 OTPGW_ERR_HTTP_RANGE_BLOCKED × ${GUARD.wave} *$`,
            "m",
          ),
        );
        expect(prose).toContain(
          `"numbers starting ${GUARD.range} are blocked by the gateway's operator (suspected SMS pumping)"`,
        );
        expect(prose).toContain(
          `otpgw_submits_limited_total{account="demo",limit="blocked_range"}: ${GUARD.wave}, all of them the ` +
            "second wave's: no OTP of the normal traffic refused by the block.",
        );
        expect(prose).toContain(
          "pumping guard: exactly one block, of the walk's range +6281988880xxx; every submit of the second wave " +
            "refused with 422 OTPGW_ERR_HTTP_RANGE_BLOCKED, and no other submit refused by a blocked range",
        );
        // The platform saw the walk's deliveries and used none of their codes.
        const pumped = Number(/(\d+) to the pumping attack's numbers \(never used\)/.exec(prose)?.[1]);
        expect(pumped).toBeGreaterThanOrEqual(walkDelivered!);
        expect(pumped).toBeLessThanOrEqual(ATTACK.range.accepted);

        // Ported numbers: `otpgw ported import` marked 1 in 2 of the Telkomsel-range numbers sent before the
        // outage as Indosat's (510-01) while the daemon ran, and the daemon counted them before the traffic. Routes
        // match by network: the Indosat route is recorded for every ported number's first attempt (GET), the
        // Telkomsel route for every other Telkomsel-range one; while both carriers were up, the ported numbers'
        // first attempts went to id-indosat more often than the others' (the routes' 80/20 draws).
        const imported =
          /^ {2}ported +otpgw ported import ported\.csv --by otpgw-demo: "(\d+) numbers of ported\.csv imported by otpgw-demo \(added or updated; the other ported numbers kept\) in \d+\.\d s" \(the numbers of 1 in 2 of the (\d+) Telkomsel-range OTPs sent before the outage, now Indosat's: 510-01\); the daemon counted them \(otpgw_ported_numbers (\d+)\) \d+\.\d s after the command started$/m.exec(
            out,
          );
        expect(imported, out).not.toBeNull();
        const [portedCount, eligible, gauge] = imported!.slice(1).map(Number);
        expect(portedCount).toBe(Math.ceil(eligible! / 2));
        expect(portedCount).toBeGreaterThanOrEqual(20);
        expect(gauge).toBe(portedCount);
        const mix = /(\d+) to Telkomsel's number ranges, (\d+) to Indosat's/.exec(out);
        const [telkomselRange, indosatRange] = mix!.slice(1).map(Number);
        expect(out).toContain(
          "Ported numbers: routes match by network (510-10 → id-telkomsel-subscribers, 510-01 → " +
            "id-indosat-subscribers, each 80/20); a ported number keeps its prefix",
        );
        const groups = {
          ported: portedRow(out, "Telkomsel's ranges, ported"),
          notPorted: portedRow(out, "Telkomsel's ranges, not ported"),
          indosatRange: portedRow(out, "Indosat's ranges"),
        };
        expect(groups.ported, out).toMatchObject({ messages: portedCount, route: "id-indosat-subscribers" });
        expect(groups.notPorted, out).toMatchObject({
          messages: telkomselRange! - portedCount!,
          route: "id-telkomsel-subscribers",
        });
        expect(groups.indosatRange, out).toMatchObject({
          messages: indosatRange,
          route: "id-indosat-subscribers",
        });
        for (const [name, g] of Object.entries(groups)) {
          // Only the two Indonesian carriers take a first attempt; about half the traffic is before the outage.
          expect(g!.indosat + g!.telkomsel, name).toBe(g!.counted);
          expect(g!.counted, name).toBeLessThanOrEqual(g!.messages);
          expect(g!.counted, name).toBeGreaterThanOrEqual(5);
        }
        // Every ported number is sent to before the outage: all their first attempts are counted.
        expect(groups.ported!.counted).toBe(portedCount);
        const indosatShare = (g: { indosat: number; counted: number }) => g.indosat / g.counted;
        expect(indosatShare(groups.ported!)).toBeGreaterThan(indosatShare(groups.notPorted!));
        expect(prose).toMatch(
          /ported numbers: otpgw ported import took the file and the daemon counted every number; every ported number's first attempt chosen by id-indosat-subscribers, every other Telkomsel-range number's by id-telkomsel-subscribers, every Indosat-range number's by id-indosat-subscribers; while both carriers were up, id-indosat had a larger share of the ported numbers' first attempts than of the others'/,
        );

        // No message text or code is ever printed.
        for (const fragment of ["인증번호", "Kode verifikasi", "Your OTPGW code"]) {
          expect(out + run.stderr).not.toContain(fragment);
        }

        // Cleaned up: Redis and the daemon are gone, the configuration deleted, the daemon's log kept.
        const redisPort = Number(/private redis-server on 127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
        const redisDir = /\(data in (\S+)\)/.exec(out)?.[1];
        const daemonPid = Number(/otpgw\s+pid (\d+)/.exec(out)?.[1]);
        expect(await isListening(redisPort)).toBe(false);
        expect(redisDir && existsSync(redisDir)).toBe(false);
        expect(processIsGone(daemonPid)).toBe(true);
        expect(logFile).toBeDefined();
        expect(existsSync(`${dirname(logFile!)}/config`)).toBe(false);
        const log = readFileSync(logFile!, "utf8");
        expect(log).toContain('"msg":"otpgw started"');
        // The daemon read the import (its PortedWatch: the whole set, or the changes since) and said so.
        const portedLines = log
          .split("\n")
          .filter((line) => /"msg":"ported numbers (loaded|changed): routes matching by network/.test(line))
          .map((line) => JSON.parse(line) as { numbers: number; by: string });
        expect(portedLines.map(({ numbers, by }) => ({ numbers, by }))).toEqual([
          { numbers: portedCount, by: "otpgw-demo" },
        ]);
        // otpgw's own word for the block: one warning, for the account and the walk's range.
        const blocks = log
          .split("\n")
          .filter((line) => line.includes('"msg":"pumping guard blocked a range of the account'))
          .map((line) => JSON.parse(line) as { account: string; range: string; blockSeconds: number });
        expect(blocks.map(({ account, range, blockSeconds }) => ({ account, range, blockSeconds }))).toEqual([
          { account: "demo", range: GUARD.range, blockSeconds: GUARD.blockSeconds },
        ]);
      } finally {
        if (logFile) await rm(dirname(logFile), { recursive: true, force: true });
      }
    },
  );
});
