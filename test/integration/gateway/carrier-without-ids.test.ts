import { afterEach, describe, expect, it } from "vitest";
import { CommandId } from "../../../src/smpp/constants.js";
import { parseSmBody } from "../../../src/smpp/sm-body.js";
import { encodePdu } from "../../../src/smpp/session/pdu-codec.js";
import { daemonFixture, FIXTURE_ACCOUNT } from "../../helpers/daemon-fixture.js";
import { rawSmsc, receiptPdu } from "../../helpers/raw-smsc.js";
import { testRedis } from "../../helpers/redis.js";
import { waitUntil } from "../../helpers/wait.js";
import { webhookReceiver } from "../../helpers/webhook-receiver.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("a carrier that accepts without a message_id", () => {
  it("its receipts are matched by the handset, each to its own message, and every message is delivered", async () => {
    const { url } = await testRedis();
    const smsc = await rawSmsc();
    const hooks = await webhookReceiver(FIXTURE_ACCOUNT.webhookSecret);
    const daemon = await daemonFixture({ redisUrl: url, carriers: [{ id: "id-a", port: smsc.port }] });
    await daemon.start();
    const { socket, frames } = await smsc.bound;
    // Answers every submit_sm "accepted" with an empty message_id, then sends its receipt (with the SMSC's own
    // id, which otpgw never saw) from the handset the message went to.
    let seen = 0;
    let receipts = 0;
    const answer = () => {
      for (; seen < frames.frames.length; seen++) {
        const frame = frames.frames[seen]!;
        if (frame.commandId !== CommandId.submit_sm) continue;
        const handset = parseSmBody(frame.raw).destinationAddr;
        socket.write(encodePdu("submit_sm_resp", frame.sequence, { message_id: "" }));
        receipts++;
        setTimeout(() => socket.write(receiptPdu(1000 + receipts, `SMSC${receipts}`, handset)), 20);
      }
    };
    socket.on("data", () => setImmediate(answer));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await daemon.api("/v1/messages", {
        method: "POST",
        body: {
          to: `+62811${String(i).padStart(7, "0")}`,
          from: FIXTURE_ACCOUNT.sender,
          text: "Your code is 554433",
          callback_url: hooks.url,
        },
      });
      expect(r.status).toBe(202);
      ids.push(r.body.id as string);
    }
    await waitUntil(() => hooks.calls.length >= 5, 10_000, "a webhook per message");
    await new Promise((r) => setTimeout(r, 300));
    expect(hooks.calls.map((c) => [c.body.id, c.body.state]).sort()).toEqual(
      ids.map((id) => [id, "delivered"]).sort(),
    );
    const warned = daemon.logLines.filter((l) => l.includes("accepted a submit without a message_id"));
    expect(warned).toHaveLength(1);
  }, 30_000);
});
