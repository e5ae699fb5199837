import { onTestFinished } from "vitest";
import { startDlrSink } from "../../scripts/bench/kannel-dlr-sink.js";
import { startKannel as startKannelProcess } from "../../scripts/bench/kannel-process.js";

/** One delivery report as Kannel calls the dlr-url: its type (1 delivered, 2 failed, 8 SMSC ack, 16 SMSC reject). */
export interface KannelDlr {
  ref: string;
  type: number;
}

/**
 * Kannel's bearerbox (SMPP ESME towards `smsc`) and smsbox (the sendsms HTTP interface) on 127.0.0.1, as the
 * bench runs them (scripts/bench/kannel-process.ts: installed when missing, resolved once the link is online),
 * with a dlr-url receiver. Everything stops when the test finishes.
 */
export async function startKannel(smsc: { port: number; systemId: string; password: string }) {
  const dlrs: KannelDlr[] = [];
  const sink = await startDlrSink(({ ref, type }) => dlrs.push({ ref, type }));
  onTestFinished(() => sink.close());
  // Three parts per request at most: the tests send a long message as a concatenated one.
  const kannel = await startKannelProcess({ smsc, window: 10, maxParts: 3 });
  onTestFinished(() => kannel.stop());

  /** Submits one message through smsbox's sendsms interface, asking for every delivery report. */
  const sendsms = async (options: {
    to: string;
    from: string;
    text: string;
    ref: string;
    ucs2?: boolean;
  }) => {
    const params = new URLSearchParams({
      ...kannel.user,
      to: options.to,
      from: options.from,
      text: options.text,
      charset: "UTF-8",
      "dlr-mask": "31",
      "dlr-url": sink.urlFor(options.ref),
      ...(options.ucs2 ? { coding: "2" } : {}),
    });
    const response = await fetch(
      `http://127.0.0.1:${kannel.sendsmsPort}/cgi-bin/sendsms?${params.toString()}`,
    );
    return { status: response.status, body: await response.text() };
  };

  return { dlrs, sendsms };
}
