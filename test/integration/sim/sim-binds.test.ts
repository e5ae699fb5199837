import { connect, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import type { CarrierSimulator, SimulatorOptions } from "../../../scripts/sim/carrier-simulator.js";
import { SmppStatus } from "../../../src/smpp/command-status.js";
import { SimClient, startSim as startTestSim, waitFor } from "./sim-client.js";

let sim: CarrierSimulator | undefined;

async function startSim(options: SimulatorOptions = {}): Promise<number> {
  const started = await startTestSim({ submitRespLatencyMs: { min: 0, max: 0 }, ...options });
  sim = started.sim;
  return started.port;
}

describe("carrier simulator: binds and session commands", () => {
  it("accepts a bind with the right password and answers with its system_id", async () => {
    const port = await startSim();
    const c = await SimClient.connect(port);
    const resp = await c.bind("otpgw", "s3cret");
    expect(resp.command).toBe("bind_transceiver_resp");
    expect(resp.command_status).toBe(SmppStatus.ESME_ROK);
    expect(resp.system_id).toBe("otpgw-sim");
    expect(sim!.counters().bindsAccepted).toBe(1);
  });

  it("refuses a wrong password with ESME_RINVPASWD and closes the connection", async () => {
    const port = await startSim();
    const c = await SimClient.connect(port);
    const resp = await c.bind("otpgw", "wrong");
    expect(resp.command_status).toBe(SmppStatus.ESME_RINVPASWD);
    await c.waitClosed();
    expect(sim!.counters()).toMatchObject({ bindsRefused: 1, bindsAccepted: 0 });
  });

  it("refuses an unknown system_id with ESME_RINVSYSID and closes the connection", async () => {
    const port = await startSim();
    const c = await SimClient.connect(port);
    const resp = await c.bind("stranger", "s3cret", "bind_transmitter");
    expect(resp.command_status).toBe(SmppStatus.ESME_RINVSYSID);
    await c.waitClosed();
  });

  it("refuses an interface_version it does not speak with ESME_RBINDFAIL", async () => {
    const port = await startSim();
    const c = await SimClient.connect(port);
    const resp = await c.bind("otpgw", "s3cret", "bind_transceiver", 0x20);
    expect(resp.command_status).toBe(SmppStatus.ESME_RBINDFAIL);
    await c.waitClosed();
  });

  it("refuses binds above maxBindsPerSystemId", async () => {
    const port = await startSim({ maxBindsPerSystemId: 1 });
    const first = await SimClient.connect(port);
    expect((await first.bind("otpgw", "s3cret")).command_status).toBe(SmppStatus.ESME_ROK);
    const second = await SimClient.connect(port);
    expect((await second.bind("otpgw", "s3cret")).command_status).toBe(SmppStatus.ESME_RBINDFAIL);
  });

  it("answers a second bind on the same session with ESME_RALYBND", async () => {
    const port = await startSim();
    const c = await SimClient.connect(port);
    await c.bind("otpgw", "s3cret");
    expect((await c.bind("otpgw", "s3cret")).command_status).toBe(SmppStatus.ESME_RALYBND);
  });

  it("refuses submit_sm before bind and on a receiver bind with ESME_RINVBNDSTS", async () => {
    const port = await startSim();
    const unbound = await SimClient.connect(port);
    expect((await unbound.submit({ short_message: Buffer.from("x") })).command_status).toBe(
      SmppStatus.ESME_RINVBNDSTS,
    );
    const receiver = await SimClient.connect(port);
    await receiver.bind("otpgw", "s3cret", "bind_receiver");
    expect((await receiver.submit({ short_message: Buffer.from("x") })).command_status).toBe(
      SmppStatus.ESME_RINVBNDSTS,
    );
  });

  it("answers enquire_link, before and after bind, and counts it", async () => {
    const port = await startSim();
    const c = await SimClient.connect(port);
    expect((await c.request("enquire_link")).command).toBe("enquire_link_resp");
    await c.bind("otpgw", "s3cret");
    expect((await c.request("enquire_link")).command_status).toBe(0);
    expect(sim!.counters().enquireLinksAnswered).toBe(2);
  });

  it("answers unbind with unbind_resp and then closes the connection", async () => {
    const port = await startSim();
    const c = await SimClient.connect(port);
    await c.bind("otpgw", "s3cret");
    const resp = await c.request("unbind");
    expect(resp.command).toBe("unbind_resp");
    await c.waitClosed();
    await waitFor(() => sim!.counters().currentSessions === 0, 2000, "session to be gone");
  });

  it("answers an unsupported command with generic_nack ESME_RINVCMDID and keeps the session", async () => {
    const port = await startSim();
    const c = await SimClient.connect(port);
    await c.bind("otpgw", "s3cret");
    const resp = await c.request("query_sm", { message_id: "1", source_addr: "OTPGW" });
    expect(resp.command).toBe("generic_nack");
    expect(resp.command_status).toBe(SmppStatus.ESME_RINVCMDID);
    expect((await c.request("enquire_link")).command_status).toBe(0);
  });

  it("answers a lost framing (insane command_length) with generic_nack ESME_RINVCMDLEN and closes", async () => {
    const port = await startSim();
    const socket: Socket = connect(port, "127.0.0.1");
    const received: Buffer[] = [];
    let closed = false;
    socket.on("data", (d: Buffer) => received.push(d));
    socket.on("error", () => socket.destroy());
    socket.on("close", () => (closed = true));
    await new Promise((resolve) => socket.once("connect", resolve));
    // "HTTP" where a command_length should be: 0x48545450 octets.
    socket.write(Buffer.from("HTTP/1.1 GET /\r\n\r\n"));
    await waitFor(() => closed, 3000, "the simulator to close the socket");
    const nack = Buffer.concat(received);
    expect(nack.length).toBe(16);
    expect(nack.readUInt32BE(4)).toBe(0x80000000);
    expect(nack.readUInt32BE(8)).toBe(SmppStatus.ESME_RINVCMDLEN);
  });

  it("keeps serving other sessions after one sends garbage", async () => {
    const port = await startSim();
    const bad = connect(port, "127.0.0.1");
    bad.on("error", () => bad.destroy());
    bad.write(Buffer.alloc(32, 0xff));
    const good = await SimClient.connect(port);
    expect((await good.bind("otpgw", "s3cret")).command_status).toBe(0);
    bad.destroy();
  });
});
