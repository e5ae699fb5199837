import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { onTestFinished, describe, expect, it } from "vitest";
import { encodePdu } from "../../../src/smpp/session/pdu-codec.js";
import { assertServesWellBehavedClient, bindPdu, rawPeer, startServer, within } from "./smpp-fixture.js";
import { connectRaw, EnquireLinkAnswers, floodEnquireLinks, FrameCollector } from "../../helpers/raw-peer.js";

/** A raw TCP connection from `localAddress`, and whether the server has closed it. */
async function open(port: number, localAddress = "127.0.0.1") {
  const socket: Socket = connect({ host: "127.0.0.1", port, localAddress });
  socket.on("error", () => undefined);
  onTestFinished(() => void socket.destroy());
  const state = { closed: false };
  const closed = once(socket, "close").then(() => void (state.closed = true));
  await once(socket, "connect");
  return { socket, closed, state, frames: new FrameCollector(socket) };
}

const settle = () => new Promise((r) => setTimeout(r, 200));

describe("SMPP connection and in-flight limits", () => {
  it("closes a connection beyond the unbound ones one address may hold, and serves other addresses", async () => {
    const fixture = await startServer({ server: { maxUnboundPerAddress: 3 } });
    const idle = [await open(fixture.port), await open(fixture.port), await open(fixture.port)];
    const fourth = await open(fixture.port);
    await within(fourth.closed, 2000, "the fourth unbound connection to be closed");
    await settle();
    expect(idle.map((c) => c.state.closed)).toEqual([false, false, false]);
    // Another address is not held to this one's count.
    await assertServesWellBehavedClient(fixture, "127.0.0.2");
    // Once one of the three binds, the address may open another connection.
    idle[0]!.socket.write(bindPdu(1));
    const [bound] = await idle[0]!.frames.waitFor(1);
    expect(bound!.status).toBe(0);
    const next = await open(fixture.port);
    await settle();
    expect(next.state.closed).toBe(false);
    const counted = await fixture.metrics.registry.getSingleMetricAsString(
      "otpgw_smpp_connections_refused_total",
    );
    expect(counted).toContain('otpgw_smpp_connections_refused_total{reason="too_many_unbound"} 1');
  });

  it("closes a connection beyond max sessions, whatever its address", async () => {
    const fixture = await startServer({ server: { maxSessions: 3 } });
    const held = [
      await open(fixture.port, "127.0.0.1"),
      await open(fixture.port, "127.0.0.2"),
      await open(fixture.port, "127.0.0.3"),
    ];
    const extra = await open(fixture.port, "127.0.0.4");
    await within(extra.closed, 2000, "the connection beyond max sessions to be closed");
    held[1]!.socket.destroy();
    await held[1]!.closed;
    await settle();
    // A slot is free again.
    await assertServesWellBehavedClient(fixture, "127.0.0.5");
    const counted = await fixture.metrics.registry.getSingleMetricAsString(
      "otpgw_smpp_connections_refused_total",
    );
    expect(counted).toContain('otpgw_smpp_connections_refused_total{reason="too_many_sessions"} 1');
    expect(held[0]!.state.closed).toBe(false);
  });

  it("holds submits beyond maxSubmitsInFlight even when one read carries hundreds, and answers them all", async () => {
    const fixture = await startServer({ server: { maxSubmitsInFlight: 5 } });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let storing = 0;
    let most = 0;
    const accept = fixture.delivery.accept.bind(fixture.delivery);
    fixture.delivery.accept = async (input) => {
      most = Math.max(most, ++storing);
      await gate; // the store is slow
      storing--;
      return accept(input);
    };
    const { socket, frames } = await rawPeer(fixture.port);
    socket.write(bindPdu(1));
    await frames.waitFor(1);
    const submit = (sequence: number) =>
      encodePdu("submit_sm", sequence, {
        source_addr: "AcmeOTP",
        source_addr_ton: 5,
        dest_addr_ton: 1,
        dest_addr_npi: 1,
        destination_addr: "6281234567890",
        short_message: Buffer.from("Your code is 123456"),
      });
    socket.write(Buffer.concat(Array.from({ length: 300 }, (_, i) => submit(i + 2)))); // one write, ~27 KB
    await settle();
    expect(most).toBe(5);
    expect(frames.frames).toHaveLength(1); // nothing answered while the store holds them
    open();
    await frames.waitFor(301, 10_000);
    expect(frames.frames.slice(1).every((f) => f.status === 0)).toBe(true);
    expect(frames.frames.slice(1).map((f) => f.sequence)).toEqual(
      Array.from({ length: 300 }, (_, i) => i + 2),
    );
    expect(fixture.delivery.accepted).toHaveLength(300);
  });

  it("stops reading an unbound peer that floods enquire_link without reading the answers, serves others meanwhile, and loses none", async () => {
    const fixture = await startServer({ server: { sessionInitMs: 60_000 } });
    const socket = await connectRaw(fixture.port); // reads nothing until `answers.start()`
    socket.on("error", () => undefined);
    onTestFinished(() => void socket.destroy());
    const flood = await floodEnquireLinks(socket, { maxBytes: 48 * 1024 * 1024, stallMs: 1000 });
    expect(flood.backedUp).toBe(true); // the server stopped reading, well before 48 MiB
    expect(flood.bytes).toBeLessThan(32 * 1024 * 1024);
    await assertServesWellBehavedClient(fixture, "127.0.0.2");
    const answers = new EnquireLinkAnswers(socket);
    answers.start();
    await answers.waitFor(flood.sent, 20_000);
    expect(answers.unexpected).toBeUndefined(); // each answered once, in order
    expect(answers.count).toBe(flood.sent);
  }, 40_000);
});
