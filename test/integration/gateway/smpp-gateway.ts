/**
 * The daemon as the SMPP gateway tests drive it: the fixture account allowed to bind as an ESME, the daemon
 * started with its carriers bound, and an ESME (the well-behaved node-smpp client) bound to it; plus the
 * submit_sm those tests send and the wait for its receipts.
 */
import type smpp from "smpp";
import {
  daemonFixture,
  FIXTURE_ACCOUNT,
  smppAccountBlock,
  type DaemonFixtureOptions,
} from "../../helpers/daemon-fixture.js";
import { waitUntil } from "../../helpers/wait.js";
import { boundEsme, PASSWORD, type Esme } from "../north-smpp/smpp-fixture.js";

export async function smppGateway(options: Omit<DaemonFixtureOptions, "smppBlock">) {
  const daemon = await daemonFixture({ ...options, smppBlock: await smppAccountBlock(PASSWORD) });
  await daemon.start();
  await daemon.waitForBinds();
  const esme = await boundEsme(daemon.ports!.smpp!);
  return { daemon, esme };
}

/** The i-th handset the tests send to, as an ESME writes it (international digits, no `+`). */
export function handset(i: number): string {
  return `62811${String(i).padStart(7, "0")}`;
}

/** A submit_sm from the fixture account's sender to `destination`, asking for a receipt. */
export function submitOtp(esme: Esme, destination: string): Promise<smpp.PDU> {
  return esme.submit({
    source_addr: FIXTURE_ACCOUNT.sender,
    destination_addr: destination,
    registered_delivery: 1,
  });
}

/**
 * Waits (up to `timeoutMs`) until `esme` has a receipt for each of `ids`, then `settleMs` more, for any second
 * receipt to show; returns the stats it got by message id (Esme.receiptStats).
 */
export async function receiptsFor(
  esme: Esme,
  ids: readonly string[],
  { timeoutMs, settleMs }: { timeoutMs: number; settleMs: number },
): Promise<Map<string, string[]>> {
  await waitUntil(
    () => {
      const receipts = esme.receiptStats();
      return ids.every((id) => receipts.has(id));
    },
    timeoutMs,
    "a receipt per acknowledged submit",
  );
  await new Promise((r) => setTimeout(r, settleMs));
  return esme.receiptStats();
}
