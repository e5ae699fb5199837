/**
 * `otpgw watch`: a running instance's traffic, carrier by carrier, from its own metrics endpoint — read twice
 * `--interval` apart, so rates are what its counters grew by in between: binds up, submits queued, submits
 * accepted and refused per second, receipts per second (DELIVRD and the rest), the lowest live-health factor of the
 * carrier across its routes and its lowest conversion share, and operators' overrides in force; with escalation
 * channels configured, their sends per second; and the submits accounts' anti-abuse limits refused. Read-only;
 * nothing is written anywhere.
 */
import type { Command } from "commander";
import type { SettingsAndCarriers } from "../../config/loaded-config.js";
import { configuredChannels } from "../../escalation/channel-config.js";
import { maskUrl } from "../../redis/redis-preflight.js";
import { ExitCodes, type CliContext } from "../cli-context.js";
import { addConfigOptions, type ConfigFlags } from "../config-options.js";
import { CommandRefusal, loadForOperations, reportRefusal } from "../control-session.js";
import { parsePromText, sumOf, type Sample } from "../prom-text.js";
import { renderTable } from "../text-table.js";

interface WatchFlags extends ConfigFlags {
  metricsUrl?: string;
  interval: string;
  count?: string;
}

export function registerWatchCommand(program: Command, context: CliContext): void {
  addConfigOptions(
    program
      .command("watch")
      .description(
        "show a running instance's traffic per carrier, from its metrics endpoint, every few seconds",
      )
      .option(
        "--metrics-url <url>",
        "the instance's /metrics (default: metrics.host and metrics.port of the settings); user:password@ in it is sent as basic auth, never printed",
      )
      .option(
        "--interval <seconds>",
        "seconds between the two reads each table's rates come from (0.2-60)",
        "2",
      )
      .option("--count <n>", "print this many tables, then exit (default: until interrupted)")
      .addHelpText(
        "after",
        "\nColumns: binds up of configured, submits queued, submits accepted and refused per second, receipts" +
          "\nper second (DELIVRD and other stats), the lowest live-health factor across the carrier's routes, its" +
          "\nlowest conversion share (codes used, for accounts that report them; `-` until judged), and operators'" +
          "\noverrides (drained, weight %). With escalation channels configured, a line of their sends" +
          "\nper second (accepted by the provider, and refused or not sent; `drained` when an operator drained the" +
          "\nchannel); a line of the submits refused by accounts' anti-abuse limits per second, when there are any." +
          "\nOne instance's view: with several, watch each.",
      ),
  ).action(async (flags: WatchFlags) => {
    context.setExitCode(await watch(flags, context));
  });
}

async function watch(flags: WatchFlags, context: CliContext): Promise<number> {
  try {
    const intervalMs = Number(flags.interval) * 1000;
    if (!(intervalMs >= 200 && intervalMs <= 60_000))
      throw new CommandRefusal(`--interval: "${flags.interval}" is not a number of seconds from 0.2 to 60`);
    const count = flags.count === undefined ? Infinity : Number(flags.count);
    if (!(Number.isInteger(count) || count === Infinity) || count < 1)
      throw new CommandRefusal(`--count: "${flags.count}" is not a whole number of at least 1`);
    const config = await loadForOperations(flags, context);
    const url = flags.metricsUrl ?? metricsUrlOf(config);
    let before = await scrape(url);
    for (let printed = 0; printed < count; printed++) {
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      const after = await scrape(url);
      context.stdout.write(`${table(config, before, after)}\n`);
      before = after;
    }
    return ExitCodes.ok;
  } catch (error) {
    return reportRefusal(error, context, "watch");
  }
}

/** The settings' metrics endpoint; a listener on every address is read on the loopback. */
function metricsUrlOf(config: SettingsAndCarriers): string {
  const { host, port } = config.daemon.metrics;
  if (port === 0) throw new CommandRefusal("metrics.port is 0 (a free port at start): give --metrics-url");
  const reachable = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  return `http://${reachable.includes(":") ? `[${reachable}]` : reachable}:${port}/metrics`;
}

interface Scrape {
  at: number;
  samples: Sample[];
}

/**
 * `user:password@` in the metrics URL (a /metrics behind basic auth) as the request needs it: fetch refuses a URL
 * with credentials — its error repeating them — so they go in an Authorization header instead.
 */
function requestOf(url: string): { target: string; headers: Record<string, string> } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { target: url, headers: {} };
  }
  if (parsed.username === "" && parsed.password === "") return { target: url, headers: {} };
  const user = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  parsed.username = "";
  parsed.password = "";
  const basic = Buffer.from(`${user}:${password}`).toString("base64");
  return { target: parsed.toString(), headers: { authorization: `Basic ${basic}` } };
}

/** Any `scheme://user:password@` in a message, the password masked (a library's error may quote the URL). */
function masked(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)([^\s:@/]*):[^\s@/]*@/gi, "$1$2:***@");
}

async function scrape(url: string): Promise<Scrape> {
  // The URL as shown: its password never printed (maskUrl's form).
  const shown = maskUrl(url);
  const { target, headers } = requestOf(url);
  let response: Response;
  try {
    response = await fetch(target, { headers, signal: AbortSignal.timeout(5000) });
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
    throw new CommandRefusal(`cannot read ${shown}: ${masked(cause)}`);
  }
  if (!response.ok) throw new CommandRefusal(`cannot read ${shown}: HTTP ${response.status}`);
  return { at: Date.now(), samples: parsePromText(await response.text()) };
}

function table(config: SettingsAndCarriers, before: Scrape, after: Scrape): string {
  const seconds = (after.at - before.at) / 1000;
  const rate = (name: string, where: Record<string, string>, excluding?: Record<string, string>) => {
    let grown = sumOf(after.samples, name, where) - sumOf(before.samples, name, where);
    if (excluding) grown -= sumOf(after.samples, name, excluding) - sumOf(before.samples, name, excluding);
    return (Math.max(0, grown) / seconds).toFixed(1);
  };
  const rows = config.carriers.map((carrier) => {
    const c = { carrier: carrier.id };
    const binds = after.samples.filter(
      (s) => s.name === "otpgw_carrier_bind_up" && s.labels.get("carrier") === carrier.id,
    );
    const lowest = (name: string) => {
      const values = after.samples.filter((s) => s.name === name && s.labels.get("carrier") === carrier.id);
      return values.length === 0 ? undefined : Math.min(...values.map((v) => v.value));
    };
    const factor = lowest("otpgw_carrier_health_factor");
    const converted = lowest("otpgw_carrier_conversion_share");
    const drained = sumOf(after.samples, "otpgw_carrier_drained", c) > 0;
    const weight = sumOf(after.samples, "otpgw_carrier_weight_percent", c);
    return [
      carrier.id,
      `${binds.filter((b) => b.value > 0).length}/${carrier.binds}`,
      sumOf(after.samples, "otpgw_carrier_queued", c),
      rate("otpgw_carrier_submits_total", { ...c, outcome: "accepted" }),
      rate("otpgw_carrier_submits_total", c, { ...c, outcome: "accepted" }),
      rate("otpgw_carrier_receipts_total", { ...c, stat: "DELIVRD" }),
      rate("otpgw_carrier_receipts_total", c, { ...c, stat: "DELIVRD" }),
      factor === undefined ? "-" : factor.toFixed(2),
      converted === undefined ? "-" : `${Math.round(converted * 100)} %`,
      drained ? "drained" : weight > 0 && weight !== 100 ? `weight ${weight} %` : "-",
    ];
  });
  const accepted = rate("otpgw_messages_accepted_total", {});
  const delivered = rate("otpgw_messages_final_total", { state: "delivered" });
  const final = rate("otpgw_messages_final_total", {});
  // Escalation sends per configured channel: accepted by the provider, and the rest (refused, not sent, unanswered).
  const channels = configuredChannels(config.daemon.channels).map((channel) => {
    const sent = rate("otpgw_escalation_sends_total", { channel, result: "accepted" });
    const failed = ["refused", "not_sent", "unknown"].reduce(
      (sum, result) => sum + Number(rate("otpgw_escalation_sends_total", { channel, result })),
      0,
    );
    const drained =
      sumOf(after.samples, "otpgw_carrier_drained", { carrier: channel }) > 0 ? ", drained" : "";
    return `${channel} ${sent}/s (failed ${failed.toFixed(1)}/s${drained})`;
  });
  const escalation = channels.length > 0 ? `escalation sends: ${channels.join(", ")}\n` : "";
  // Submits refused by accounts' anti-abuse limits in the interval, per account and limit (none: no line).
  const pairs = new Set(
    after.samples
      .filter((s) => s.name === "otpgw_submits_limited_total")
      .map((s) => `${s.labels.get("account") ?? ""}\n${s.labels.get("limit") ?? ""}`),
  );
  const limited = [...pairs].sort().flatMap((pair) => {
    const [account = "", limit = ""] = pair.split("\n");
    const perSecond = rate("otpgw_submits_limited_total", { account, limit });
    return perSecond === "0.0" ? [] : [`${account} ${limit} ${perSecond}/s`];
  });
  const abuse = limited.length > 0 ? `refused by anti-abuse limits: ${limited.join(", ")}\n` : "";
  return (
    `${new Date(after.at).toISOString().slice(11, 19)}Z  accepted ${accepted}/s, final ${final}/s (delivered ${delivered}/s)\n` +
    escalation +
    abuse +
    renderTable(
      [
        "carrier",
        "binds",
        "queued",
        "submits/s",
        "refused/s",
        "DELIVRD/s",
        "other/s",
        "health",
        "converted",
        "override",
      ],
      rows,
    )
  );
}
