/**
 * `otpgw carriers drain|undrain|weight|forget`: operators' overrides of a carrier, written to the daemons' Redis
 * (src/ops/control-store.ts), which every running instance applies within a second (DESIGN promise 7).
 */
import type { Command } from "commander";
import type { SettingsAndCarriers } from "../../config/loaded-config.js";
import { ControlInputError, inForce, parseWeightPercent } from "../../ops/carrier-controls.js";
import { countryCodeProblem } from "../../config/iso-countries.js";
import { configuredChannels } from "../../escalation/channel-config.js";
import { channelCountryId } from "../../ops/control-store.js";
import type { CliContext } from "../cli-context.js";
import { CommandRefusal, formatTime, redisWhere } from "../control-session.js";
import { APPLIES, ending, runChange, stampOf, withOptions, type ChangeFlags } from "./override-change.js";

/**
 * The carrier id, if it is one of carriers/ — or, with `channels`, an escalation channel otpgw.yaml configures (a
 * channel can be drained, not weighted). @throws CommandRefusal naming the known ids
 */
function configuredCarrier(config: SettingsAndCarriers, id: string, channels = false): string {
  if (config.carriers.some((c) => c.id === id)) return id;
  const configured: string[] = configuredChannels(config.daemon.channels);
  if (configured.includes(id)) {
    if (channels) return id;
    throw new CommandRefusal(
      `${id} is an escalation channel: it can be drained (skipped by escalation), not weighted; nothing was written`,
    );
  }
  const known = config.carriers.map((c) => c.id).join(", ");
  const drainable = channels && configured.length > 0 ? `; channels: ${configured.join(", ")}` : "";
  throw new CommandRefusal(
    `unknown carrier "${id}" (carriers in ${config.daemon.carriersDir}: ${known}${drainable}); nothing was written`,
  );
}

/**
 * What `drain`/`undrain` write to: the carrier or channel, or with `--country` a channel in that country only
 * (`whatsapp@ID`); and how to name it. @throws CommandRefusal, ControlInputError
 */
function drainTarget(
  config: SettingsAndCarriers,
  id: string,
  country: string | undefined,
): { key: string; name: string; lift: string } {
  const carrier = configuredCarrier(config, id, true);
  if (country === undefined) return { key: carrier, name: carrier, lift: carrier };
  if (!(configuredChannels(config.daemon.channels) as string[]).includes(carrier))
    throw new CommandRefusal(
      `--country goes with an escalation channel (${carrier} is a carrier: it serves the countries of its routes; drain it, or edit routes.yaml); nothing was written`,
    );
  const problem = countryCodeProblem(country);
  if (problem !== undefined) throw new ControlInputError(`--country: ${problem}`);
  return {
    key: channelCountryId(carrier, country),
    name: `${carrier} in ${country}`,
    lift: `${carrier} --country ${country}`,
  };
}

export function registerCarrierChangeCommands(carriers: Command, context: CliContext): void {
  withOptions(
    carriers
      .command("drain <carrier>")
      .description(
        "send no new attempts to a carrier, or no escalations to a channel (messages in flight on it finish)",
      )
      .option("--reason <text>", "why, shown in lists and logs (e.g. an incident number)")
      .option(
        "--for <duration>",
        "lift the drain by itself after this long: 90s, 30m, 2h, 1h30m, 7d (at most 30d)",
      )
      .option(
        "--country <code>",
        "a channel only: drain it for destinations in this country (ISO 3166, e.g. ID)",
      )
      .addHelpText(
        "after",
        `\nWhile drained, routing chooses the route's other carriers (as if it were down): its binds stay up and its` +
          `\nreceipts are still processed. A route whose carriers are all drained takes no new messages (503 /` +
          `\nESME_RMSGQFUL) unless it escalates to, or tries before SMS, a channel the daemon runs (they are then` +
          `\naccepted and go by it); those waiting are retried as while carriers are down. ${APPLIES}` +
          `\n\nAn escalation channel otpgw.yaml configures (whatsapp, voice) can be drained too: escalation skips it and` +
          `\ngoes to the route's next channel (a WhatsApp outage, or a blackout of mobile data: voice still arrives).` +
          `\nWith --country, only for that country's numbers (a blackout there): \`drain whatsapp --country ID\`.` +
          `\n\nExamples:\n  otpgw carriers drain id-telkomsel --reason "INC-4711 DLRs missing" --for 30m` +
          `\n  otpgw carriers drain whatsapp --country ID --reason "data blackout" --for 6h`,
      ),
  ).action(async (id: string, flags: ChangeFlags) => {
    context.setExitCode(
      await runChange("carriers drain", context, flags, (config) => {
        const target = drainTarget(config, id, flags.country);
        const stamp = stampOf(flags, context);
        return {
          carrier: target.key,
          change: { op: "set", kind: "drain", ...stamp },
          describe: (now, before) =>
            `${target.name} drained by ${stamp.by}${ending(now, stamp.forMs)}` +
            `${stamp.reason ? `: ${stamp.reason}` : ""}` +
            `${inForce(before.drain, now) ? ` (it was drained already, by ${before.drain.by}: replaced)` : ""}` +
            `\n${APPLIES} Lift it with: otpgw carriers undrain ${target.lift}`,
        };
      }),
    );
  });

  withOptions(
    carriers
      .command("undrain <carrier>")
      .description("lift a carrier's (or channel's) drain: it takes new attempts again")
      .option("--country <code>", "a channel drained for one country: lift that drain")
      .addHelpText("after", `\n${APPLIES}\n\nExample:\n  otpgw carriers undrain id-telkomsel`),
  ).action(async (id: string, flags: ChangeFlags) => {
    context.setExitCode(
      await runChange("carriers undrain", context, flags, (config) => {
        const target = drainTarget(config, id, flags.country);
        const { by } = stampOf(flags, context);
        return {
          carrier: target.key,
          change: { op: "clear", kind: "drain", by },
          describe: (now, before) =>
            inForce(before.drain, now)
              ? `${target.name} undrained by ${by} (drained by ${before.drain.by} since ${formatTime(before.drain.at)})\n${APPLIES}`
              : `${target.name} was not drained: nothing to lift`,
        };
      }),
    );
  });

  withOptions(
    carriers
      .command("weight <carrier> [percent]")
      .description(
        "scale a carrier's weight in every route to a percentage of routes.yaml's (1-1000; 100 or --reset: as configured)",
      )
      .option("--reset", "back to the weights in routes.yaml (as `weight <carrier> 100`)")
      .option("--reason <text>", "why, shown in lists and logs")
      .option("--for <duration>", "back to routes.yaml's weight by itself after this long: 90s, 30m, 2h, 7d")
      .addHelpText(
        "after",
        `\nThe factor applies to the carrier's weight in every route it is in: with 80/20 in routes.yaml,` +
          `\n\`weight <first> 25\` makes it 20/20. The carrier's share of first attempts moves accordingly; retries still` +
          `\ngo to carriers not tried yet. ${APPLIES}` +
          `\n\nExamples:\n  otpgw carriers weight id-indosat 50 --reason "slow DLRs" --for 2h\n  otpgw carriers weight id-indosat --reset`,
      ),
  ).action(async (id: string, percentText: string | undefined, flags: ChangeFlags) => {
    context.setExitCode(
      await runChange("carriers weight", context, flags, (config) => {
        const carrier = configuredCarrier(config, id);
        if (flags.reset === true && percentText !== undefined)
          throw new ControlInputError("give a percentage or --reset, not both");
        if (flags.reset !== true && percentText === undefined)
          throw new ControlInputError("give a percentage (1-1000; 100 = as in routes.yaml) or --reset");
        const percent = flags.reset === true ? 100 : parseWeightPercent(percentText!);
        const stamp = stampOf(flags, context);
        // Back to routes.yaml's weight is a clearing, which lasts and has no reason of its own: refused, not dropped.
        if (percent === 100 && flags.for !== undefined)
          throw new ControlInputError("--for goes with a percentage other than 100: a reset has no end");
        if (percent === 100)
          return {
            carrier,
            change: { op: "clear", kind: "weight", by: stamp.by },
            describe: (now, before) =>
              inForce(before.weight, now)
                ? `${carrier} weight back to routes.yaml's (was ${before.weight.percent} %, set by ${before.weight.by})\n${APPLIES}`
                : `${carrier} weight was routes.yaml's already: nothing to reset`,
          };
        return {
          carrier,
          change: { op: "set", kind: "weight", percent, ...stamp },
          describe: (now) =>
            `${carrier} weight set to ${percent} % of routes.yaml's by ${stamp.by}${ending(now, stamp.forMs)}` +
            `${stamp.reason ? `: ${stamp.reason}` : ""}\n${APPLIES} Reset it with: otpgw carriers weight ${carrier} --reset`,
        };
      }),
    );
  });

  withOptions(
    carriers
      .command("forget <carrier>")
      .description(
        "remove the overrides of a carrier no longer in carriers/ (otpgw carriers list shows them)",
      )
      .addHelpText(
        "after",
        "\nDaemons ignore overrides of carriers they do not have (with a warning); a drain without an end of a carrier" +
          "\nremoved from carriers/ stays in Redis until forgotten. For a configured carrier use undrain or weight --reset.",
      ),
  ).action(async (id: string, flags: ChangeFlags) => {
    context.setExitCode(
      await runChange("carriers forget", context, flags, (config) => {
        if (config.carriers.some((c) => c.id === id))
          throw new CommandRefusal(
            `${id} is a configured carrier: use otpgw carriers undrain ${id} or otpgw carriers weight ${id} --reset`,
          );
        if ((configuredChannels(config.daemon.channels) as string[]).includes(id))
          throw new CommandRefusal(`${id} is a configured channel: use otpgw carriers undrain ${id}`);
        const { by } = stampOf(flags, context);
        return {
          carrier: id,
          change: { op: "forget", kind: "drain", by },
          describe: (_now, before) =>
            before.drain || before.weight
              ? `overrides of ${id} removed from ${redisWhere(config.daemon)}`
              : `${id} had no overrides: nothing to remove`,
        };
      }),
    );
  });
}
