/**
 * `otpgw messages show`: one stored message as the NOC needs it when a submitter says "my OTP never arrived" — its
 * state and why, every attempt (carrier, times from creation, outcome, receipt, each part's carrier message id),
 * when the gateway looks at it next and whether its notification is still waiting. Found by otpgw's id (the 202's
 * or submit_sm_resp's), by an SMPP multi-part id with its account, or by a carrier's message id (what a carrier's
 * support quotes). Read-only; the destination stays masked and the text is never read.
 */
import type { Command } from "commander";
import type { SettingsAndCarriers } from "../../config/loaded-config.js";
import { MessageStore, type ReceiptTarget } from "../../delivery/message-store.js";
import { storeRetention } from "../../delivery/store-retention.js";
import type { Message } from "../../delivery/types.js";
import { parsePartId } from "../../north/smpp/concat-store.js";
import { normaliseMessageId } from "../../smpp/receipt.js";
import { ExitCodes, type CliContext } from "../cli-context.js";
import { addConfigOptions, type ConfigFlags } from "../config-options.js";
import {
  CommandRefusal,
  loadForOperations,
  redisWhere,
  reportRefusal,
  withDaemonRedis,
} from "../control-session.js";
import { messageReport, renderMessageReport, type MessageFacts } from "../message-report.js";

interface ShowFlags extends ConfigFlags {
  json?: boolean;
  carrier?: string;
  account?: string;
}

export function registerMessagesShowCommand(messages: Command, context: CliContext): void {
  addConfigOptions(
    messages
      .command("show <id>")
      .description(
        "a message's state, attempts, receipts and carrier message ids (the destination masked, never the text)",
      )
      .option("--carrier <carrier>", "<id> is this carrier's message id (as its support quotes it)")
      .option("--account <account>", "the account of an SMPP multi-part id (<set>-<part>)")
      .option("--json", "print JSON")
      .addHelpText(
        "after",
        "\n<id> is otpgw's message id (the HTTP 202's `id`, the submit_sm_resp's message_id), or with --account an" +
          "\nSMPP multi-part id, or with --carrier a carrier's message id, read as its message_id_format.submit says" +
          "\n(for hex: 0A1B2C3D and 0x0a1b2c3d name the same id)." +
          "\nMessages are kept for retention.message_seconds after their final state." +
          "\nReads the daemons' Redis (redis_url / REDIS_URL, redis_key_prefix) as `otpgw start` would; exits 1 when" +
          "\nit cannot, or when no such message is kept." +
          "\n\nExamples:\n  otpgw messages show 665af1c09b3e4f2a7c1d8e55" +
          "\n  otpgw messages show --carrier id-telkomsel 0A1B2C3D" +
          "\n  otpgw messages show --account acme 4f0c2a9e1b7d3c55-2",
      ),
  ).action(async (id: string, flags: ShowFlags) => {
    context.setExitCode(await show(id, flags, context));
  });
}

/** How the id given is to be read. @throws CommandRefusal for a combination that names nothing */
function lookupOf(id: string, flags: ShowFlags, config: SettingsAndCarriers) {
  if (flags.carrier !== undefined && flags.account !== undefined)
    throw new CommandRefusal("give --carrier or --account, not both");
  if (flags.carrier !== undefined) {
    const carrier = config.carriers.find((c) => c.id === flags.carrier);
    if (!carrier) {
      const known = config.carriers.map((c) => c.id).join(", ");
      throw new CommandRefusal(`unknown carrier "${flags.carrier}" (carriers: ${known})`);
    }
    // Keyed as the carrier's submit_sm_resp ids are (message_id_format.submit): hex 0A1B and decimal 2587 alike.
    return {
      kind: "carrier",
      carrier: carrier.id,
      carrierMessageId: normaliseMessageId(id, carrier.submitIdFormat),
    } as const;
  }
  if (flags.account !== undefined) {
    const part = parsePartId(id);
    if (!part) throw new CommandRefusal(`"${id}" is not an SMPP multi-part id (<16 hex digits>-<part>)`);
    return { kind: "part", account: flags.account, setId: part.setId } as const;
  }
  if (parsePartId(id))
    throw new CommandRefusal(`"${id}" is an SMPP multi-part id: give its account with --account`);
  return { kind: "id", id } as const;
}

async function show(id: string, flags: ShowFlags, context: CliContext): Promise<number> {
  try {
    const config = await loadForOperations(flags, context);
    const lookup = lookupOf(id.trim(), flags, config);
    const daemon = config.daemon;
    const facts = await withDaemonRedis(daemon, async (redis): Promise<MessageFacts | string> => {
      const store = new MessageStore({
        redis,
        prefix: daemon.redisKeyPrefix,
        retention: storeRetention(daemon.retention),
      });
      let target: ReceiptTarget | null = null;
      let messageId: string | null;
      if (lookup.kind === "carrier") {
        target = await store.findByCarrierId(lookup.carrier, lookup.carrierMessageId);
        if (!target)
          return `no message of ${lookup.carrier} has message id ${lookup.carrierMessageId} (or it is past its retention)`;
        messageId = target.messageId;
      } else if (lookup.kind === "part") {
        messageId = await store.findByIdempotencyKey(lookup.account, `smpp-set:${lookup.setId}`);
        if (messageId === null)
          return `account ${lookup.account} has no multi-part message ${lookup.setId} (or it is past its retention)`;
      } else messageId = lookup.id;
      const stored = await store.get(messageId);
      if (!stored)
        return `no message ${messageId} is kept (an unknown id, or past retention.message_seconds after its final state)`;
      const message: Message = stored.message;
      const pending = await store.pending(message.id);
      return {
        message,
        ...pending,
        ...(lookup.kind === "carrier" &&
          target && {
            byCarrierId: {
              carrier: lookup.carrier,
              carrierMessageId: lookup.carrierMessageId,
              attempt: target.attempt,
              part: target.part,
            },
          }),
      };
    });
    if (typeof facts === "string") throw new CommandRefusal(`${facts}; read ${redisWhere(daemon)}`);
    context.stdout.write(
      flags.json === true
        ? `${JSON.stringify(messageReport(facts), null, 2)}\n`
        : renderMessageReport(facts, Date.now()),
    );
    return ExitCodes.ok;
  } catch (error) {
    return reportRefusal(error, context, "messages show");
  }
}
