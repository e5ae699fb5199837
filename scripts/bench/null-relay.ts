/**
 * The null relay: the naive baseline every gateway on this stack starts from (issue 5, scenario 3). A bare
 * forwarder written only with the `smpp` package's Server/Session/PDU API, the straightforward way, and run by
 * the SMPP bench in a process of its own (so its CPU can be read from /proc):
 *
 *   node --import tsx scripts/bench/null-relay.ts --carrier-port N [--carrier-system-id S] [--carrier-password P]
 *     [--redis-url URL]
 *
 * - `smpp.createServer` accepts any bind (no authentication) and prints `port=<n>` once listening;
 * - each ESME submit_sm is re-sent to the carrier as a submit_sm over one client session (bound transceiver),
 *   and the ESME's submit_sm_resp carries the carrier's answer (status and message id) once it comes;
 * - each carrier deliver_sm (a receipt) is re-sent to a bound ESME session as a deliver_sm with the same
 *   fields and TLVs (the receipted id unchanged), and the carrier is answered with the ESME's status.
 *
 * No persistence, no routing, no window or flow control beyond what node-smpp does (none). Correct, just naive:
 * every submit is answered and every receipt forwarded while both sides stay connected.
 *
 * With `--redis-url`, the durable null relay: the same forwarder with otpgw's persistence and nothing else of
 * otpgw (scripts/bench/durable-steps.ts). A submit is answered with the relay's own id once stored, then sent on;
 * a receipt is stored as the final state before the carrier is answered, and reaches the ESME under that id.
 */
import smpp from "smpp";
import { DurableSteps } from "./durable-steps.js";

interface RelayArgs {
  carrierPort: number;
  carrierSystemId: string;
  carrierPassword: string;
  redisUrl?: string;
}

function parseArgs(argv: string[]): RelayArgs {
  const args: RelayArgs = { carrierPort: 0, carrierSystemId: "otpgw", carrierPassword: "bench" };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[++i];
    if (value === undefined) throw new Error(`${argv[i - 1]} needs a value`);
    if (argv[i - 1] === "--carrier-port") args.carrierPort = Number(value);
    else if (argv[i - 1] === "--carrier-system-id") args.carrierSystemId = value;
    else if (argv[i - 1] === "--carrier-password") args.carrierPassword = value;
    else if (argv[i - 1] === "--redis-url") args.redisUrl = value;
    else throw new Error(`unknown argument ${argv[i - 1]}`);
  }
  if (!Number.isInteger(args.carrierPort) || args.carrierPort <= 0)
    throw new Error("--carrier-port N needed");
  return args;
}

/** A decoded PDU's fields and TLVs as options for a new PDU: the header is the new session's to set. */
function fieldsOf(pdu: smpp.PDU): smpp.PduFields {
  return { ...pdu, command_status: 0, sequence_number: 0 };
}

/** The carrier's message id a receipt is for: its receipted_message_id TLV, else the text's `id:`. */
function receiptedId(pdu: smpp.PDU): string {
  const tlv = pdu.receipted_message_id;
  if (typeof tlv === "string" && tlv !== "") return tlv.replace(/\0+$/, "");
  const text = (pdu.short_message as { message?: unknown } | undefined)?.message;
  return (typeof text === "string" ? /\bid:(\S+)/.exec(text)?.[1] : undefined) ?? "";
}

/** Set on SIGTERM: the carrier session closing is then expected, not a failure. */
let stopping = false;

const fail = (why: string): void => {
  if (stopping) return;
  process.stderr.write(`null relay: ${why}\n`);
  process.exit(1);
};

/** A failed store step ends the relay: its figures would be wrong. */
const failed = (error: unknown): void =>
  fail(`redis: ${error instanceof Error ? error.message : String(error)}`);

function connectCarrier(args: RelayArgs): Promise<smpp.Session> {
  return new Promise((resolve) => {
    const carrier = smpp.connect({ host: "127.0.0.1", port: args.carrierPort }, () => {
      const bind = new smpp.PDU("bind_transceiver", {
        system_id: args.carrierSystemId,
        password: args.carrierPassword,
        interface_version: 0x34,
      });
      carrier.send(bind, (resp) => {
        if (resp.command_status !== 0) fail(`carrier bind refused (status ${resp.command_status})`);
        resolve(carrier);
      });
    });
    carrier.on("error", (error: Error) => fail(`carrier session: ${error.message}`));
    carrier.on("close", () => fail("carrier session closed"));
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const carrier = await connectCarrier(args);
  const durable = args.redisUrl === undefined ? undefined : new DurableSteps(args.redisUrl);
  /** Bound ESME sessions, in bind order: receipts go to the first one still open. */
  const esmes: smpp.Session[] = [];

  carrier.on("enquire_link", (pdu: smpp.PDU) => carrier.send(pdu.response()));
  carrier.on("deliver_sm", (pdu: smpp.PDU) => {
    const esme = esmes[0];
    if (!esme) {
      // Nobody to give it to: a temporary error, so the carrier keeps it and tries again.
      carrier.send(pdu.response({ command_status: smpp.errors.ESME_RX_T_APPN ?? 0x64 }));
      return;
    }
    if (durable) {
      const carrierId = receiptedId(pdu);
      durable.delivered(carrierId).then((stored) => {
        carrier.send(pdu.response());
        const fields = fieldsOf(pdu);
        if (stored) {
          fields.receipted_message_id = stored.id;
          const text = (fields.short_message as { message?: unknown } | undefined)?.message;
          if (typeof text === "string")
            fields.short_message = { message: text.replace(`id:${carrierId}`, `id:${stored.id}`) };
        }
        esme.send(new smpp.PDU("deliver_sm", fields), () => {
          if (stored) void durable.answered(stored.jobs).catch(failed);
        });
      }, failed);
      return;
    }
    esme.send(new smpp.PDU("deliver_sm", fieldsOf(pdu)), (resp) => {
      carrier.send(pdu.response({ command_status: resp.command_status }));
    });
  });

  const server = smpp.createServer((session) => {
    const bound = (pdu: smpp.PDU): void => {
      session.send(pdu.response({ system_id: "nullrelay" }));
      esmes.push(session);
    };
    session.on("bind_transceiver", bound);
    session.on("bind_transmitter", bound);
    session.on("bind_receiver", bound);
    session.on("enquire_link", (pdu: smpp.PDU) => session.send(pdu.response()));
    session.on("unbind", (pdu: smpp.PDU) => {
      session.send(pdu.response());
      session.close();
    });
    session.on("submit_sm", (pdu: smpp.PDU) => {
      if (durable) {
        durable.created().then((message) => {
          session.send(pdu.response({ message_id: message.id }));
          carrier.send(new smpp.PDU("submit_sm", fieldsOf(pdu)), (resp) => {
            if (resp.command_status === 0)
              void durable.accepted(message, String(resp.message_id)).catch(failed);
          });
        }, failed);
        return;
      }
      carrier.send(new smpp.PDU("submit_sm", fieldsOf(pdu)), (resp) => {
        session.send(pdu.response({ command_status: resp.command_status, message_id: resp.message_id }));
      });
    });
    session.on("error", () => session.destroy());
    session.on("close", () => {
      const i = esmes.indexOf(session);
      if (i >= 0) esmes.splice(i, 1);
    });
  });
  server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    if (!address || typeof address === "string") fail("no listening address");
    else process.stdout.write(`null relay listening port=${address.port}\n`);
  });
  process.on("SIGTERM", () => {
    stopping = true;
    for (const session of esmes) session.destroy();
    carrier.destroy();
    durable?.close();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 1000).unref();
  });
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
