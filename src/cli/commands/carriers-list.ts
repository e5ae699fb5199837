import type { Command } from "commander";
import type { Redis } from "ioredis";
import type { SettingsAndCarriers } from "../../config/loaded-config.js";
import {
  effectiveControl,
  formatRemaining,
  inForce,
  type CarrierControl,
  type OverrideStamp,
} from "../../ops/carrier-controls.js";
import { configuredChannels } from "../../escalation/channel-config.js";
import { isAccountScoped, parseChannelCountryId, readControls } from "../../ops/control-store.js";
import { ExitCodes, type CliContext } from "../cli-context.js";
import { addConfigOptions, type ConfigFlags } from "../config-options.js";
import {
  formatTime,
  loadForOperations,
  redisWhere,
  reportRefusal,
  slotKeysOf,
  withDaemonRedis,
} from "../control-session.js";
import { renderTable } from "../text-table.js";

interface ListFlags extends ConfigFlags {
  json?: boolean;
}

/** One configured carrier as listed. */
interface CarrierRow {
  carrier: string;
  drained: boolean;
  weightPercent: number;
  drain?: OverrideStamp;
  weight?: OverrideStamp & { percent: number };
  /** Per bind slot, the instance holding its lease (null: nobody). */
  slots: (string | null)[];
}

export function registerCarriersListCommand(carriers: Command, context: CliContext): void {
  addConfigOptions(
    carriers
      .command("list")
      .description(
        "each carrier: drained or not, its weight factor, who set them and until when, and its bind slots",
      )
      .option("--json", "print JSON (one object: carriers, and overrides of carriers not in carriers/)")
      .addHelpText(
        "after",
        "\nReads the daemons' Redis (redis_url / REDIS_URL, redis_key_prefix) as `otpgw start` would; exits 1 when it" +
          "\ncannot. BINDS shows, per bind slot, the instance (instance_id) holding its lease, `-` when none does." +
          "\nOverrides in Redis of carriers not in carriers/ are listed after the table: daemons ignore them, and" +
          "\n`otpgw carriers forget <id>` removes them.",
      ),
  ).action(async (flags: ListFlags) => {
    context.setExitCode(await list(flags, context));
  });
}

async function list(flags: ListFlags, context: CliContext): Promise<number> {
  try {
    const config = await loadForOperations(flags, context);
    const { rows, stale, now } = await withDaemonRedis(config.daemon, (redis) => readRows(redis, config));
    if (flags.json === true) {
      context.stdout.write(
        `${JSON.stringify({ carriers: rows, notConfigured: Object.fromEntries(stale) }, null, 2)}\n`,
      );
      return ExitCodes.ok;
    }
    context.stdout.write(render(rows, stale, now));
    context.stdout.write(`(read from ${redisWhere(config.daemon)})\n`);
    return ExitCodes.ok;
  } catch (error) {
    return reportRefusal(error, context, "carriers list");
  }
}

async function readRows(
  redis: Redis,
  config: SettingsAndCarriers,
): Promise<{ rows: CarrierRow[]; stale: [string, CarrierControl][]; now: number }> {
  const prefix = config.daemon.redisKeyPrefix;
  const snapshot = await readControls(redis, prefix);
  const slotKeys = slotKeysOf(config);
  const holders = slotKeys.length === 0 ? [] : await redis.mget(...slotKeys);
  // Ends are Redis's times: judged by its clock, not this host's.
  const now = snapshot.now;
  let next = 0;
  // Escalation channels can be drained too (escalation skips them), everywhere or in one country (`whatsapp@ID`):
  // listed beside the carriers, without binds.
  const channels: string[] = configuredChannels(config.daemon.channels);
  const inCountries = [...snapshot.controls.keys()].filter((id) => {
    const parsed = parseChannelCountryId(id);
    return parsed !== undefined && channels.includes(parsed.channel);
  });
  const drainable = [...config.carriers, ...[...channels, ...inCountries].map((id) => ({ id, binds: 0 }))];
  const rows = drainable
    .map((carrier): CarrierRow => {
      const control = snapshot.controls.get(carrier.id);
      const effective = effectiveControl(control, now);
      return {
        carrier: carrier.id,
        drained: effective.drained,
        weightPercent: effective.weightPercent,
        ...(inForce(control?.drain, now) && { drain: control.drain }),
        ...(inForce(control?.weight, now) && { weight: control.weight }),
        slots: holders.slice(next, (next += carrier.binds)),
      };
    })
    .sort((a, b) => a.carrier.localeCompare(b.carrier));
  const configured = new Set(drainable.map((c) => c.id));
  // Accounts' suspensions and blocked ranges share the store: `accounts list` and `ranges list` show them.
  const stale = [...snapshot.controls].filter(([id]) => !configured.has(id) && !isAccountScoped(id));
  return { rows, stale, now };
}

/** `by alice at 2025-11-23T06:40:00Z until 2025-11-23T07:10:00Z (in 29m): SMSC degraded` */
function stampText(stamp: OverrideStamp, now: number): string {
  const end =
    stamp.until === undefined
      ? ", no end"
      : ` until ${formatTime(stamp.until)} (in ${formatRemaining(stamp.until - now)})`;
  return `by ${stamp.by} at ${formatTime(stamp.at)}${end}${stamp.reason ? `: ${stamp.reason}` : ""}`;
}

function render(rows: CarrierRow[], stale: [string, CarrierControl][], now: number): string {
  const table = renderTable(
    ["carrier", "state", "weight", "binds (slot: instance)"],
    rows.map((r) => [
      r.carrier,
      r.drained ? "drained" : "active",
      `${r.weightPercent} %`,
      r.slots.map((holder, k) => `${k}: ${holder ?? "-"}`).join("  "),
    ]),
  ).split("\n");
  const out = table.slice(0, 2);
  rows.forEach((row, i) => {
    out.push(table[i + 2]!);
    if (row.drain) out.push(`    drained ${stampText(row.drain, now)}`);
    if (row.weight) out.push(`    weight ${row.weight.percent} % ${stampText(row.weight, now)}`);
  });
  if (stale.length > 0) {
    out.push(
      "",
      "Overrides of carriers not in carriers/ (ignored by the daemons; remove with otpgw carriers forget <id>):",
    );
    for (const [id, control] of stale) {
      const what = [
        control.drain && `drained ${stampText(control.drain, now)}`,
        control.weight && `weight ${control.weight.percent} % ${stampText(control.weight, now)}`,
      ].filter(Boolean);
      out.push(`  ${id}: ${what.join("; ")}`);
    }
  }
  return `${out.join("\n")}\n`;
}
