/** `otpgw ported list` (or `stats`): how many ported numbers there are, per network, and who changed them last. */
import type { Command } from "commander";
import { parsePortedVersion, readPortedNumbers } from "../../ops/ported-store.js";
import { PortedIndex } from "../../routing/ported-index.js";
import { ExitCodes, type CliContext } from "../cli-context.js";
import { addConfigOptions, type ConfigFlags } from "../config-options.js";
import { loadForPortedNumbers, redisWhere, reportRefusal, withDaemonRedis } from "../control-session.js";
import { renderTable } from "../text-table.js";
import { lastChange } from "./ported-show.js";

interface ListFlags extends ConfigFlags {
  json?: boolean;
}

export function registerPortedListCommand(ported: Command, context: CliContext): void {
  addConfigOptions(
    ported
      .command("list")
      .alias("stats")
      .description("how many ported numbers there are, per network, and who changed them last")
      .option("--json", "print JSON")
      .addHelpText(
        "after",
        "\nReads every ported number from the daemons' Redis (redis_url / REDIS_URL, redis_key_prefix), in chunks" +
          "\nthat keep Redis responsive, to count them per network: a few seconds for millions of numbers, and" +
          "\nabout as much memory as a daemon holds them in. Networks the networks file lacks are listed: routing" +
          "\nignores their numbers. Exits 1 when Redis cannot be read." +
          "\n\nExample:\n  otpgw ported list",
      ),
  ).action(async (flags: ListFlags) => {
    context.setExitCode(await list(flags, context));
  });
}

async function list(flags: ListFlags, context: CliContext): Promise<number> {
  try {
    // routes.yaml is not needed here: a problem in it (or in carriers/) does not stop the listing.
    const config = await loadForPortedNumbers(flags, context);
    const plan = config.networks;
    const { version, pairs } = await withDaemonRedis(config.daemon, (redis) =>
      readPortedNumbers(redis, config.daemon.redisKeyPrefix),
    );
    // As the daemons load them: a number HSCAN returned twice counts once, one that is not a number not at all.
    const { index, skipped } = PortedIndex.build(pairs);
    pairs.length = 0; // read whole, counted: not held while printing
    const networks = [...index.countsByNetwork()]
      .map(([mccmnc, numbers]) => ({ mccmnc, network: plan.get(mccmnc), numbers }))
      .sort((a, b) => a.mccmnc.localeCompare(b.mccmnc));
    const change = lastChange(parsePortedVersion(version));
    if (flags.json === true) {
      const report = {
        total: index.size,
        networks: networks.map(({ mccmnc, network, numbers }) => ({
          mccmnc,
          name: network?.name ?? null,
          country: network?.country ?? null,
          in_networks_file: network !== undefined,
          numbers,
        })),
        not_numbers: skipped,
        last_change: change ? { by: change.by, at: change.at ?? null } : null,
      };
      context.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return ExitCodes.ok;
    }
    const where = `read from ${redisWhere(config.daemon)}`;
    const lines = [
      index.size === 0
        ? `no ported numbers (${where})`
        : `${index.size} ported number${index.size === 1 ? "" : "s"} (${where})`,
    ];
    if (networks.length > 0)
      lines.push(
        renderTable(
          ["network", "name", "country", "numbers"],
          networks.map(({ mccmnc, network, numbers }) => [
            mccmnc,
            network?.name ?? "not in the networks file: ignored by routing",
            network?.country ?? "-",
            numbers,
          ]),
        ),
      );
    if (skipped > 0) lines.push(`${skipped} entries are not numbers in E.164 form: ignored by routing.`);
    lines.push(
      change ? `Last change by ${change.by} at ${change.at ?? "an unknown time"}.` : "Never changed.",
    );
    context.stdout.write(`${lines.join("\n")}\n`);
    return ExitCodes.ok;
  } catch (error) {
    return reportRefusal(error, context, "ported list");
  }
}
