import { startCallbackServer } from "./callback-server.js";

/** One delivery report as smsbox calls the dlr-url. */
export interface DlrEvent {
  /** The bench's own reference for the message, carried in the dlr-url. */
  ref: string;
  /** Kannel's report type (%d): 1 delivered, 2 undelivered, 4 buffered, 8 SMSC ack, 16 SMSC reject. */
  type: number;
  /** performance.now() when the request was read. */
  at: number;
}

export interface DlrSink {
  /** The dlr-url for one message: smsbox replaces `%d` with the report type. */
  urlFor(ref: string): string;
  /** Requests that were not a report the bench asked for. */
  readonly malformed: number;
  close(): Promise<void>;
}

/** The submitter's dlr-url endpoint, in the bench process: answers 200 at once, hands each report on. */
export async function startDlrSink(onEvent: (event: DlrEvent) => void): Promise<DlrSink> {
  let malformed = 0;
  const server = await startCallbackServer((req, res) => {
    const at = performance.now();
    res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const ref = url.searchParams.get("ref");
    const type = Number(url.searchParams.get("type"));
    if (!ref || !Number.isInteger(type)) malformed++;
    else onEvent({ ref, type, at });
    req.resume();
  });
  const base = `http://127.0.0.1:${server.port}/dlr`;
  return {
    urlFor: (ref) => `${base}?ref=${encodeURIComponent(ref)}&type=%d`,
    get malformed() {
      return malformed;
    },
    close: server.close,
  };
}
