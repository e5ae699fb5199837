/**
 * `otpgw ported set|unset|show|import|list`: the ported numbers — which mobile network (MCC/MNC) a number ported
 * away from its range's network belongs to now — kept in the daemons' Redis (src/ops/ported-store.ts). Every running
 * instance reads them again within a second of a change, and routes matching by network (routes.yaml
 * `match: { network: … }`) follow them (docs/routing.md#networks-and-ported-numbers).
 */
import type { Command } from "commander";
import {
  portedNetworkOf,
  portedNumbersKey,
  removePortedNumbers,
  writePortedNumbers,
} from "../../ops/ported-store.js";
import { ExitCodes, type CliContext } from "../cli-context.js";
import {
  loadForPortedNumbers,
  reportRefusal,
  warnRoutingProblems,
  withDaemonRedis,
} from "../control-session.js";
import { networkLabel, portedEntry, PORTED_REFUSALS, rangeWords, storedNumber } from "./ported-entry.js";
import { registerPortedImportCommand } from "./ported-import.js";
import { registerPortedListCommand } from "./ported-list.js";
import { registerPortedShowCommand } from "./ported-show.js";
import {
  appliesNote,
  changedBy,
  instancesSeen,
  warnWithoutInstances,
  withPortedChangeOptions,
  type PortedChangeFlags,
} from "./ported-write.js";

export function registerPortedCommands(program: Command, context: CliContext): void {
  const ported = program
    .command("ported")
    .description(
      "the ported numbers: which mobile network (MCC/MNC) a number belongs to now (see: otpgw ported --help)",
    )
    .addHelpText(
      "after",
      "\nA ported number keeps its range's prefix but belongs to another network: routes matching by network" +
        "\n(routes.yaml match: { network: 450-08 }) follow its entry here, else its range in the networks file." +
        "\nThe numbers live in the daemons' Redis; every running instance uses a change within a second." +
        "\nThe commands need the settings and the networks file valid; they go on with a warning when" +
        "\nroutes.yaml or a carrier file has problems (show then cannot say which route a number takes)." +
        "\nReference: docs/routing.md#networks-and-ported-numbers",
    );

  withPortedChangeOptions(
    ported
      .command("set <number> <mcc-mnc>")
      .description(
        "record that a number belongs to this network now (a network of the networks file, same country)",
      )
      .addHelpText(
        "after",
        "\n<number> in E.164 form; <mcc-mnc> as the networks file writes it (450-08). The number's previous network" +
          "\nis printed. Reads the settings and the networks file as `otpgw start` does, and routes.yaml to say" +
          "\nwhether routing uses ported numbers." +
          "\n\nExample:\n  otpgw ported set +821012345678 450-08",
      ),
  ).action(async (number: string, mccmnc: string, flags: PortedChangeFlags) => {
    context.setExitCode(await set(number, mccmnc, flags, context));
  });

  withPortedChangeOptions(
    ported
      .command("unset <number...>")
      .description("remove numbers from the ported numbers: their range's network applies again")
      .addHelpText("after", "\nExample:\n  otpgw ported unset +821012345678 +821098765432"),
  ).action(async (numbers: string[], flags: PortedChangeFlags) => {
    context.setExitCode(await unset(numbers, flags, context));
  });

  registerPortedShowCommand(ported, context);
  registerPortedImportCommand(ported, context);
  registerPortedListCommand(ported, context);
}

async function set(
  number: string,
  mccmnc: string,
  flags: PortedChangeFlags,
  context: CliContext,
): Promise<number> {
  try {
    const config = await loadForPortedNumbers(flags, context);
    warnRoutingProblems(config, context, "ported set");
    const entry = portedEntry(config.networks, number, mccmnc);
    const by = changedBy(flags, context);
    const prefix = config.daemon.redisKeyPrefix;
    const target = entry.network.mccmnc;
    const { previous, seen } = await withDaemonRedis(config.daemon, async (redis) => {
      const previous = await portedNetworkOf(redis, prefix, entry.e164);
      if (previous === target) return { previous, seen: true };
      await writePortedNumbers(redis, prefix, [[entry.e164, target]], by);
      return { previous, seen: await instancesSeen(redis, config) };
    });
    const who = `${entry.e164} (${entry.country})`;
    const label = networkLabel(config.networks, target);
    if (previous === target) {
      context.stdout.write(`${who} is on ${label} already: nothing written\n`);
      return ExitCodes.ok;
    }
    const before =
      previous === null
        ? `it was not ported; ${rangeWords(config.networks, entry.e164)}`
        : `it was on ${networkLabel(config.networks, previous)}`;
    context.stdout.write(
      `${who} is now on ${label}, set by ${by} (${before})\n${appliesNote(config.routes)}\n`,
    );
    if (!seen) warnWithoutInstances(config, context, "ported set");
    return ExitCodes.ok;
  } catch (error) {
    return reportRefusal(error, context, "ported set", PORTED_REFUSALS);
  }
}

async function unset(texts: string[], flags: PortedChangeFlags, context: CliContext): Promise<number> {
  try {
    const config = await loadForPortedNumbers(flags, context);
    warnRoutingProblems(config, context, "ported unset");
    const numbers = [...new Set(texts.map(storedNumber))];
    const by = changedBy(flags, context);
    const prefix = config.daemon.redisKeyPrefix;
    const { before, removed, seen } = await withDaemonRedis(config.daemon, async (redis) => {
      const before = await redis.hmget(portedNumbersKey(prefix), ...numbers);
      const present = numbers.filter((_, i) => before[i] !== null);
      // Nothing to remove: no new version, so the daemons do not read every number again for nothing.
      if (present.length === 0) return { before, removed: 0, seen: true };
      const removed = await removePortedNumbers(redis, prefix, present, by);
      return { before, removed, seen: await instancesSeen(redis, config) };
    });
    const lines = numbers.map((n, i) => {
      const was = before[i];
      return was === null || was === undefined
        ? `${n}: not ported, nothing to remove`
        : `${n}: removed (it was on ${networkLabel(config.networks, was)})`;
    });
    const given = numbers.length === 1 ? "the number given" : `the ${numbers.length} numbers given`;
    lines.push(
      removed === 0
        ? `none of ${given} was ported: nothing removed`
        : `${removed} of ${given} removed from the ported numbers by ${by}. ${appliesNote(config.routes)}`,
    );
    context.stdout.write(`${lines.join("\n")}\n`);
    if (!seen) warnWithoutInstances(config, context, "ported unset");
    return ExitCodes.ok;
  } catch (error) {
    return reportRefusal(error, context, "ported unset", PORTED_REFUSALS);
  }
}
