import type { Socket } from "node:net";
import { onTestFinished } from "vitest";
import { CommandId } from "../../src/smpp/constants.js";
import { encodePdu } from "../../src/smpp/session/pdu-codec.js";
import { closeServer, FrameCollector, listenRaw } from "./raw-peer.js";

/**
 * A carrier SMSC written by hand: it accepts the first bind_transceiver on its port and then does only what the
 * test writes — for floods and replays no simulator produces. `frames` holds what otpgw sent it.
 */
export async function rawSmsc(): Promise<{
  port: number;
  bound: Promise<{ socket: Socket; frames: FrameCollector }>;
}> {
  let resolveBound!: (value: { socket: Socket; frames: FrameCollector }) => void;
  const bound = new Promise<{ socket: Socket; frames: FrameCollector }>(
    (resolve) => (resolveBound = resolve),
  );
  const sockets: Socket[] = [];
  const { server, port } = await listenRaw((socket) => {
    sockets.push(socket);
    socket.on("error", () => undefined);
    const frames = new FrameCollector(socket);
    void frames.waitFor(1, 10_000).then(([bind]) => {
      if (bind?.commandId !== CommandId.bind_transceiver) return;
      socket.write(encodePdu("bind_transceiver_resp", bind.sequence, { system_id: "RAWSMSC" }));
      resolveBound({ socket, frames });
    });
  });
  onTestFinished(async () => {
    for (const s of sockets) s.destroy();
    await closeServer(server);
  });
  return { port, bound };
}

/** A delivery receipt as a carrier writes it (esm_class 0x04, the standard text), for carrier message id `id`. */
export function receiptPdu(sequence: number, id: string, handset = "6281100000001"): Buffer {
  return encodePdu("deliver_sm", sequence, {
    source_addr_ton: 1,
    source_addr_npi: 1,
    source_addr: handset,
    dest_addr_ton: 5,
    destination_addr: "OTPGW",
    esm_class: 0x04,
    short_message: Buffer.from(
      `id:${id} sub:001 dlvrd:001 submit date:2611221200 done date:2611221201 stat:DELIVRD err:000 text:`,
    ),
  });
}
