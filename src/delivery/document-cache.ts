import type { Versioned } from "./message-store.js";

/**
 * Messages in flight at once whose documents stay in memory; beyond, the least recently written go first.
 * At a few thousand messages a second with receipts in seconds, the working set fits; messages waiting longer
 * (slow receipts, a carrier holding them) are read back from Redis when their event comes — one read, instead
 * of holding a kilobyte or two per message for as long as it waits.
 */
const DEFAULT_MAX_DOCUMENTS = 10_000;

/** The documents this process is working on, with their versions: saves a read per event. Only a cache. */
export class DocumentCache {
  private readonly documents = new Map<string, Versioned>();

  constructor(private readonly maxDocuments = DEFAULT_MAX_DOCUMENTS) {}

  get size(): number {
    return this.documents.size;
  }

  get(id: string): Versioned | undefined {
    return this.documents.get(id);
  }

  set(id: string, loaded: Versioned): void {
    this.documents.delete(id);
    this.documents.set(id, loaded);
    if (this.documents.size > this.maxDocuments) {
      const oldest = this.documents.keys().next();
      if (!oldest.done) this.documents.delete(oldest.value);
    }
  }

  delete(id: string): void {
    this.documents.delete(id);
  }
}
