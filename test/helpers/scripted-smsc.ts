import { once } from "node:events";
import { createServer, type Socket } from "node:net";
import { onTestFinished } from "vitest";
import { CommandId } from "../../src/smpp/constants.js";
import {
  commandName,
  encodeHeaderOnlyResponse,
  encodePdu,
  readHeader,
} from "../../src/smpp/session/pdu-codec.js";
import { PduFramer } from "../../src/smpp/session/pdu-framer.js";
import { closeServer } from "./raw-peer.js";

/** A PDU otpgw sent the scripted SMSC: its header, on which connection (1, 2, …) and when it arrived. */
export interface ScriptedFrame {
  command: string;
  commandId: number;
  sequence: number;
  conn: number;
  at: number;
  /** The whole PDU as written (decode it with pdu-codec's decodePdu when the body matters). */
  raw: Buffer;
}

/**
 * What the test scripts: return true when it answered the frame itself (or means to leave it unanswered);
 * otherwise the SMSC answers as a healthy carrier does — every bind OK, enquire_link and unbind OK, submit_sm OK
 * with a fresh message id.
 */
export type FrameScript = (frame: ScriptedFrame, socket: Socket) => boolean | void;

/**
 * A carrier SMSC built on the real `smpp` PDU encoding whose answers a test scripts frame by frame, across any number
 * of connections (unlike rawSmsc, which serves one bind): for carriers that unbind, drop right after a bind, answer
 * with chosen statuses or not at all. With `allowHalfOpen` it never closes a connection otpgw ends (a carrier that
 * leaves the TCP close to us).
 */
export async function scriptedSmsc(
  script: FrameScript = () => false,
  options: { allowHalfOpen?: boolean } = {},
) {
  const frames: ScriptedFrame[] = [];
  const sockets: Socket[] = [];
  let conns = 0;
  let ids = 0;
  const server = createServer({ allowHalfOpen: options.allowHalfOpen ?? false }, (socket) => {
    const conn = ++conns;
    sockets.push(socket);
    socket.on("error", () => undefined);
    const framer = new PduFramer(1 << 20);
    socket.on("data", (chunk: Buffer) => {
      for (const raw of framer.push(chunk)) {
        const { commandId, sequence } = readHeader(raw);
        const command = commandName(commandId) ?? `0x${commandId.toString(16)}`;
        const frame = { command, commandId, sequence, conn, at: Date.now(), raw };
        frames.push(frame);
        if (script(frame, socket)) continue;
        if (command.startsWith("bind_")) {
          socket.write(encodePdu(`${command}_resp`, sequence, { system_id: "SCRIPTED" }));
        } else if (command === "enquire_link" || command === "unbind") {
          socket.write(encodeHeaderOnlyResponse(commandId, sequence, 0));
        } else if (command === "submit_sm") {
          socket.write(encodePdu("submit_sm_resp", sequence, { message_id: `M${++ids}` }));
        }
      }
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  onTestFinished(async () => {
    for (const s of sockets) s.destroy();
    await closeServer(server);
  });
  return {
    port,
    frames,
    sockets,
    /** Connections otpgw opened so far. */
    conns: (): number => conns,
    /** How many PDUs of `command` otpgw sent so far. */
    count: (command: string): number => frames.filter((f) => f.command === command).length,
  };
}

/** The carrier's own `unbind` request (header only). */
export function unbindPdu(sequence: number): Buffer {
  const pdu = Buffer.alloc(16);
  pdu.writeUInt32BE(16, 0);
  pdu.writeUInt32BE(CommandId.unbind, 4);
  pdu.writeUInt32BE(sequence, 12);
  return pdu;
}

/** A submit_sm_resp (or any response) carrying only a status: what a carrier sends to refuse a submit. */
export function statusResponse(frame: ScriptedFrame, status: number): Buffer {
  return encodeHeaderOnlyResponse(frame.commandId, frame.sequence, status);
}
