import { describe, expect, it } from "vitest";
import { FramingError, PduFramer } from "../../../src/smpp/session/pdu-framer.js";
import { encodePdu } from "../../../src/smpp/session/pdu-codec.js";

describe("PduFramer", () => {
  it("reassembles PDUs split across chunks and splits PDUs sharing a chunk", () => {
    const a = encodePdu("enquire_link", 1);
    const b = encodePdu("submit_sm_resp", 2, { message_id: "abc" });
    const stream = Buffer.concat([a, b, a]);
    const framer = new PduFramer(4096);
    const frames: Buffer[] = [];
    for (let i = 0; i < stream.length; i += 7) frames.push(...framer.push(stream.subarray(i, i + 7)));
    expect(frames.map((f) => f.toString("hex"))).toEqual([a, b, a].map((f) => f.toString("hex")));
    expect(framer.pendingBytes).toBe(0);
  });

  it("refuses a command_length below the header size", () => {
    const framer = new PduFramer(4096);
    const bad = Buffer.from("0000000400000015000000000000002a", "hex");
    expect(() => framer.push(bad)).toThrow(FramingError);
  });

  it("refuses a claimed length above the maximum without waiting for (or allocating) its body", () => {
    const framer = new PduFramer(4096);
    const header = Buffer.from("7fffffff0000000400000000000000090000", "hex");
    try {
      framer.push(header);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(FramingError);
      expect((error as FramingError).status).toBe(0x02);
      expect((error as FramingError).sequence).toBe(9);
      expect((error as FramingError).fatal).toBe(true);
    }
  });

  it("treats an HTTP request on the port as lost framing", () => {
    const framer = new PduFramer(16_384);
    expect(() => framer.push(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))).toThrow(/framing lost/);
  });
});
