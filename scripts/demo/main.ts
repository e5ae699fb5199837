/**
 * `npm run demo [-- --messages N]`: the whole gateway end to end on 127.0.0.1, on a fresh machine.
 *
 * A throwaway Redis (or REDIS_URL), three simulated carriers (id-telkomsel healthy, id-indosat flaky and throttling,
 * kr-skt for Korea), WhatsApp and voice simulators that Indonesian OTPs escalate to once SMS is spent (WhatsApp
 * fails some, so voice follows), a temporary configuration tree, `otpgw start` as a child process on a fixed HTTP
 * port (the channel simulators post their statuses to it), and a webhook receiver that checks signatures, and a
 * "platform" that reports the codes people used (POST /v1/messages/{id}/conversion) after their final webhook —
 * never those kr-skt's false DELIVRD receipts claim to have delivered. Routes match by mobile network; once otpgw
 * runs, `otpgw ported import` marks some Telkomsel-range numbers as ported to Indosat, and the demo waits until the
 * daemon counts them. A few hundred OTPs go in over HTTP; half way through, id-telkomsel goes down and its traffic
 * reroutes, or escalates when id-indosat fails too. Just before, an SMS pumping attack runs into the account's
 * anti-abuse limits: a walk through one range of numbers, repeats to one number, numbers of a country the account
 * does not list. Nobody uses the walk's codes, so the account's pumping guard blocks its range a few seconds later;
 * once it has, a second wave of the walk is sent, to be refused whole. Once every accepted message has its final
 * state, the summary shows per carrier submits, receipts and their latency, final states, reroutes, escalations per
 * channel, conversions per carrier (delivered, converted, conversion share: the lying carrier's is low), webhooks
 * and end-to-end latency, per limit the attack's refusals, the guard's block with its evidence and the second wave's
 * answers, and the route and first carrier of the ported numbers' OTPs against the other Telkomsel-range ones'.
 * Everything started is stopped again, also on Ctrl-C or an error; the exit code says whether the gateway kept its
 * promises (one final state per message, one signed webhook each; a channel only before the code expires, each at
 * most once, one attempt at a time, the code alone; every conversion report taken and counted; every attack submit
 * beyond a limit refused with its code and counted, no normal OTP refused; one block of the walk's range, the second
 * wave refused by it and nothing else; the ported numbers imported and counted, each OTP's first carrier chosen by
 * its network's route).
 */
import { healthView } from "./health-view.js";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { VoiceSim } from "../sim/voice-sim.js";
import type { WhatsappSim } from "../sim/whatsapp-sim.js";
import { freePort } from "../lib/free-port.js";
import { ProgressBar } from "../lib/progress.js";
import { readLimitedMetrics } from "./abuse-metrics.js";
import { describeLimits } from "./abuse-render.js";
import { ApiClient } from "./api-client.js";
import { USAGE, parseArgs, type DemoArgs } from "./args.js";
import { simCounts, startDemoCarrierSims } from "./carrier-sims.js";
import { startDemoChannelSims } from "./channel-sims.js";
import { Cleanup } from "./cleanup.js";
import { fetchViews, waitForFinals } from "./collect.js";
import { writeConfigTree } from "./config-tree.js";
import { readConversionMetrics } from "./conversion-metrics.js";
import { ConversionPlatform } from "./conversion-platform.js";
import { DaemonProcess } from "./daemon-process.js";
import { readGuardBlockLines, readGuardMetrics } from "./guard-observe.js";
import { guardBanner, guardPlan } from "./guard-plan.js";
import { guardWave, waveLine } from "./guard-wave.js";
import type { ChannelSimRecord } from "./escalation-summary.js";
import { sendAll } from "./load-sender.js";
import { attackParts, buildAttack, isRangeWalk, withAttack } from "./pumping-attack.js";
import { importPorted, type PortedImport } from "./ported-import.js";
import { portedPlan } from "./ported-plan.js";
import { portedBanner } from "./ported-render.js";
import { openRedisTarget } from "./redis-target.js";
import {
  CONVERSIONS,
  DEMO_ACCOUNT,
  DEMO_CARRIERS,
  DEMO_CHANNELS,
  DEMO_TIMING,
  ESCALATING_ROUTES,
  ESCALATION,
  NON_ESCALATING_ROUTE,
  OUTAGE_CARRIER,
  OUTAGE_MODE,
  PORTED,
  PUMPING_ATTACK,
} from "./scenario.js";
import { failedChecks, summarize } from "./summary.js";
import { renderSummary } from "./summary-render.js";
import { buildTrafficMix, describeMix } from "./traffic-mix.js";
import { WebhookReceiver } from "./webhook-receiver.js";
import { seconds } from "./text-wrap.js";

/** Set by Ctrl-C / SIGTERM: loops stop at their next check. */
let interrupted: string | undefined;
/** Printed at the end whatever happens, once the daemon has been started. */
let daemonLog: string | undefined;

function field(name: string, value: string): void {
  console.log(`  ${name.padEnd(9)} ${value}`);
}

/** What the summary needs of a channel simulator. */
function channelRecord(sim: WhatsappSim | VoiceSim): ChannelSimRecord {
  const { sends, callbacksSent, callbacksFailed } = sim.counters;
  return { sends, received: sim.received, callbacksSent, callbacksFailed };
}

/** Runs the demo; resolves with the failed checks (empty: success). Everything it starts goes in `cleanup`. */
async function run(args: DemoArgs, cleanup: Cleanup): Promise<string[]> {
  const t0 = Date.now();
  const runId = `demo-${randomBytes(4).toString("hex")}`;
  const dir = await mkdtemp(join(tmpdir(), "otpgw-demo-"));
  const configDir = join(dir, "config");
  // The log stays after the run (its path is printed); the configuration and data go.
  cleanup.add("temporary configuration", () => rm(configDir, { recursive: true, force: true }));
  console.log(
    `otpgw demo: ${args.messages} OTPs over HTTP → otpgw → three simulated SMPP carriers (then WhatsApp, voice) → receipts → webhooks`,
  );

  const redis = await openRedisTarget(process.env.REDIS_URL || undefined);
  cleanup.add("redis", () => redis.close());
  field("redis", redis.description);

  const { sims, carriers } = await startDemoCarrierSims(cleanup);
  for (const { carrier, port } of carriers)
    field("carrier", `${carrier.id.padEnd(12)} 127.0.0.1:${port}  ${carrier.description}`);

  // Fixed before otpgw starts: the WhatsApp simulator posts its statuses there, voice gets it as callback_url.
  const httpPort = await freePort();
  const channels = await startDemoChannelSims(httpPort, cleanup);
  field(
    "channel",
    `${"whatsapp".padEnd(12)} ${channels.whatsapp.url}  ${DEMO_CHANNELS.whatsapp.description}`,
  );
  field("channel", `${"voice".padEnd(12)} ${channels.voice.url}  ${DEMO_CHANNELS.voice.description}`);

  const tree = await writeConfigTree({
    dir: configDir,
    carriers,
    redisUrl: redis.url,
    redisKeyPrefix: redis.keyPrefix,
    httpPort,
    channels: {
      whatsappUrl: channels.whatsapp.url,
      phoneNumberId: channels.whatsapp.phoneNumberId,
      voiceUrl: channels.voice.url,
      voiceCallbackUrl: channels.voiceCallbackUrl,
      env: channels.env,
    },
  });
  field(
    "routes",
    `DLR timeout ${DEMO_TIMING.dlrTimeoutSeconds} s, OTP validity ${DEMO_TIMING.validitySeconds} s ` +
      "(short, so reroutes and expiries happen during the demo)",
  );
  field(
    "escalate",
    `Indonesian routes: ${ESCALATION.join(" → ")} once SMS is spent (statuses awaited ` +
      `${DEMO_TIMING.whatsappStatusTimeoutSeconds} s / ${DEMO_TIMING.voiceStatusTimeoutSeconds} s, none started ` +
      `with under ${DEMO_TIMING.minRemainingValiditySeconds} s of validity left); Korea: SMS only`,
  );

  // otpgw's HTTP port is fixed by its configuration: the client can be made before it starts.
  const client = new ApiClient(`http://127.0.0.1:${httpPort}`, tree.apiKey);
  const platform = new ConversionPlatform({ client, plan: CONVERSIONS, pumped: isRangeWalk });
  cleanup.add("conversion platform", () => Promise.resolve(platform.close()));
  field(
    "convert",
    `a platform reports ${Math.round(100 * CONVERSIONS.useShare)} % of delivered codes used ` +
      `${CONVERSIONS.delayMs.min}-${CONVERSIONS.delayMs.max} ms after their webhook; ` +
      `${Math.round(100 * CONVERSIONS.neverArrivedShare)} % of ${CONVERSIONS.lyingCarrier}'s DELIVRD are false ` +
      "(the code never arrives)",
  );

  const receiver = new WebhookReceiver({
    secret: tree.webhookSecret,
    onFinal: (final) => platform.onFinal(final.payload),
  });
  cleanup.add("webhook receiver", () => receiver.close());
  const callbackUrl = await receiver.listen();
  field("webhooks", `${callbackUrl} (signatures verified, deduplicated on X-Otpgw-Event-Id)`);

  const daemonStarted = Date.now();
  const daemon = new DaemonProcess({
    configFile: tree.configFile,
    env: tree.env,
    logFile: join(dir, "daemon.log"),
  });
  daemonLog = daemon.logFile;
  cleanup.add("otpgw daemon", () => daemon.stop(10_000));
  await daemon.ready();
  const startedIn = Date.now() - daemonStarted;
  await daemon.waitForBinds(
    DEMO_CARRIERS.map((c) => c.id),
    20_000,
  );
  field(
    "otpgw",
    `pid ${daemon.pid}, HTTP 127.0.0.1:${daemon.httpPort}, metrics 127.0.0.1:${daemon.metricsPort}; ` +
      `started in ${seconds(startedIn)}, every carrier bound after ${seconds(Date.now() - daemonStarted)}`,
  );
  const shouldStop = () => interrupted ?? daemon.exitedUnexpectedly;

  const normal = buildTrafficMix(args.messages);
  const attackPlan = attackParts(PUMPING_ATTACK, DEMO_ACCOUNT);
  const attack = buildAttack(PUMPING_ATTACK, normal.length);
  const { otps, halfwayIndex } = withAttack(normal, attack, PUMPING_ATTACK.afterShare);
  const guard = guardPlan(PUMPING_ATTACK, DEMO_ACCOUNT, normal.length);
  field("traffic", `${describeMix(otps)}; ${args.rate}/s, at most ${args.concurrency} in flight`);
  field(
    "attack",
    `${attack.length} OTPs of SMS pumping after ${Math.round(100 * PUMPING_ATTACK.afterShare)} % of those: ` +
      `${attackPlan.map((p) => p.description).join(", ")}; the account's limits: ${describeLimits(DEMO_ACCOUNT)}`,
  );
  field("guard", guardBanner(guard, normal.length));
  // Some Telkomsel subscribers ported to Indosat, imported as an operator would while the daemon runs.
  const ported = portedPlan(PORTED, normal);
  let imported: PortedImport | undefined;
  if (ported.numbers.length > 0) {
    const { configFile, env } = tree;
    const metricsPort = daemon.metricsPort;
    imported = await importPorted({ plan: ported, configDir, configFile, env, metricsPort, shouldStop });
  }
  field("ported", portedBanner(ported, imported));
  console.log("");
  const sendBar = new ProgressBar("Sending OTPs", otps.length);
  let outage = "";
  let outageAt: number | undefined;
  const sendStarted = Date.now();
  const { concurrency, rate: ratePerSecond } = args;
  const sending = {
    client,
    sender: DEMO_ACCOUNT.sender,
    callbackUrl,
    runId,
    concurrency,
    ratePerSecond,
    shouldStop,
  };
  const sent = await sendAll({
    ...sending,
    otps,
    onDone: (done) => sendBar.set(done),
    halfwayIndex,
    onHalfway: () => {
      outageAt = Date.now();
      sims.get(OUTAGE_CARRIER)!.setOutage(OUTAGE_MODE);
      outage =
        `${OUTAGE_CARRIER} went down after ${Math.floor(normal.length / 2)} of ${normal.length} OTPs ` +
        `(and the attack's ${attack.length}; ${seconds(Date.now() - sendStarted)} in): ` +
        "its connections dropped, new ones refused; it stays down";
      sendBar.set(halfwayIndex, `${OUTAGE_CARRIER} DOWN`);
    },
  });
  sendBar.done();
  const { retried } = sent;
  const ofAttack = <T extends { otp: { attack?: unknown } }>(list: T[]) =>
    list.filter((s) => s.otp.attack !== undefined).length;
  const [attackAccepted, attackRefused] = [ofAttack(sent.accepted), ofAttack(sent.refused)];
  console.log(
    `  OTPs: ${sent.accepted.length - attackAccepted} accepted, ${sent.refused.length - attackRefused} refused; ` +
      `the attack: ${attackAccepted} accepted, ${attackRefused} refused; in ${seconds(sent.durationMs)} ` +
      `(${(otps.length / (sent.durationMs / 1000)).toFixed(0)}/s; retried: ${retried.saturated} × 503, ${retried.rateLimited} × 429, ${retried.networkErrors} network errors)`,
  );
  if (outage) console.log(`  ${outage}`);
  // Read before the second wave: its refusals are the pumping guard section's, not the limits'.
  const limitedMetrics = await readLimitedMetrics(daemon.metricsPort, DEMO_ACCOUNT.id);
  // Once the pumping guard blocked the walk's range: its second wave.
  const guardRun = await guardWave({
    plan: guard,
    firstIndex: otps.length,
    metricsPort: daemon.metricsPort,
    account: DEMO_ACCOUNT.id,
    timeoutMs: DEMO_TIMING.guardWaitMs,
    send: (list) => sendAll({ ...sending, otps: list }),
    shouldStop,
  });
  if (guardRun) console.log(`  ${waveLine(guard, guardRun)}`);

  const ids = sent.accepted.map((s) => s.id);
  const waited = await waitForFinals({ receiver, ids, timeoutMs: DEMO_TIMING.finalWaitMs, shouldStop });
  // The last codes used are reported within CONVERSIONS.delayMs (and a few retries) of the last final state.
  await platform.settle();
  const views = await fetchViews(client, ids, args.concurrency);
  const conversionMetrics = await readConversionMetrics(daemon.metricsPort);
  const guardMetrics = await readGuardMetrics(daemon.metricsPort, DEMO_ACCOUNT.id);
  const summary = summarize({
    carriers: DEMO_CARRIERS.map((c) => c.id),
    sim: simCounts(sims),
    accepted: sent.accepted,
    refused: sent.refused,
    views,
    finals: receiver.finals,
    webhooks: receiver.stats,
    escalation: {
      channels: ESCALATION,
      sims: new Map([
        ["whatsapp", channelRecord(channels.whatsapp)],
        ["voice", channelRecord(channels.voice)],
      ]),
      minRemainingMs: DEMO_TIMING.minRemainingValiditySeconds * 1000,
      escalates: (sent) => sent.otp.destination !== "kr",
    },
    conversions: {
      channels: ESCALATION,
      lyingCarrier: CONVERSIONS.lyingCarrier,
      metrics: conversionMetrics,
      platform,
    },
    abuse: {
      parts: attackPlan,
      windowSeconds: {
        number: DEMO_ACCOUNT.perNumberLimit.windowSeconds,
        range: DEMO_ACCOUNT.perRangeLimit.windowSeconds,
      },
      metrics: limitedMetrics,
    },
    guard: {
      plan: guard,
      account: DEMO_ACCOUNT.id,
      run: guardRun,
      metrics: guardMetrics,
      blockLines: await readGuardBlockLines(daemon.logFile),
    },
    ported: {
      plan: ported,
      imported,
      outageAt,
    },
  });
  const setup = { channels: ESCALATION, routes: ESCALATING_ROUTES, without: NON_ESCALATING_ROUTE };
  const abuseSetup = {
    account: DEMO_ACCOUNT.id,
    limits: DEMO_ACCOUNT,
    when: `after ${Math.round(100 * PUMPING_ATTACK.afterShare)} % of the normal traffic, before the outage`,
  };
  console.log(`\n${renderSummary(summary, setup, CONVERSIONS, abuseSetup)}\n`);
  console.log(`${await healthView(daemon.metricsPort)}\n`);
  console.log(
    `Timings: start-up ${seconds(sendStarted - t0)}, sending ${seconds(sent.durationMs)}, ` +
      `${guardRun ? `waiting for the pumping guard's block ${seconds(guardRun.waitedMs)}, ` : ""}` +
      `waiting for final states ${seconds(waited.waitedMs)}, total ${seconds(Date.now() - t0)}`,
  );
  return failedChecks(summary);
}

async function main(): Promise<number> {
  let args: DemoArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const t0 = Date.now();
  const cleanup = new Cleanup();
  const finish = async (): Promise<void> => {
    const failures = await cleanup.run();
    for (const failure of failures) console.error(`cleanup: ${failure}`);
    if (daemonLog) console.log(`otpgw's log: ${daemonLog}`);
    console.log(`Demo finished in ${seconds(Date.now() - t0)} (clean-up included)`);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) process.exit(130);
    interrupted = `interrupted by ${signal}`;
    console.error(`\n${signal}: stopping the demo and cleaning up (again to quit at once)`);
    void finish().finally(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  let failures: string[];
  try {
    failures = await run(args, cleanup);
  } catch (error) {
    if (interrupted) return new Promise<number>(() => undefined); // the signal handler exits
    console.error(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}`);
    await finish();
    return 1;
  }
  if (interrupted) return new Promise<number>(() => undefined);
  await finish();
  if (failures.length > 0) {
    console.error(`demo FAILED: ${failures.join("; ")}`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
