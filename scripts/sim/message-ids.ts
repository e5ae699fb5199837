/**
 * Message ids as a carrier issues them: one counter, written as hex or decimal. Carriers that mix forms (hex in
 * submit_sm_resp, decimal in the receipt, like Kannel's msg-id-type) write the same number two ways, which is
 * what the gateway's id normalisation has to undo.
 */
import type { MessageIdFormat } from "./options.js";

export function formatMessageId(id: number, format: MessageIdFormat): string {
  return format === "hex" ? id.toString(16) : id.toString(10);
}

export class MessageIdGenerator {
  private nextId: number;

  constructor(start: number) {
    this.nextId = start;
  }

  /** A fresh id; ids stay exact integers (the start is checked to be a safe integer). */
  next(): number {
    return this.nextId++;
  }
}
