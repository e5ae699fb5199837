import { ErrorCodes, SmppError } from "../../errors.js";
import { SmppStatus } from "../command-status.js";
import { PDU_HEADER_BYTES } from "../constants.js";

/**
 * Splits a byte stream into whole PDUs. A claimed length below the header size or above `maxPduBytes`
 * means framing is lost (SMPP cannot resync): `push` throws a fatal SmppError and nothing is allocated
 * for the claimed length. Partial frames are kept as a list of chunks and only concatenated once complete.
 */
export class PduFramer {
  private readonly maxPduBytes: number;
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(maxPduBytes: number) {
    this.maxPduBytes = maxPduBytes;
  }

  /** Bytes received but not yet part of a whole PDU. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /**
   * Adds a chunk and returns every PDU it completed, in order. After a throw the framer must be discarded.
   * The sequence number of the offending PDU (if the header was readable) is on the error as `sequence`.
   */
  push(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    let data: Buffer;
    if (this.buffered === 0) {
      data = chunk;
    } else {
      this.chunks.push(chunk);
      data = Buffer.concat(this.chunks, this.buffered + chunk.length);
      this.chunks = [];
      this.buffered = 0;
    }
    let offset = 0;
    while (data.length - offset >= 4) {
      const length = data.readUInt32BE(offset);
      if (length < PDU_HEADER_BYTES || length > this.maxPduBytes) {
        throw new FramingError(
          length,
          this.maxPduBytes,
          data.length - offset >= 16 ? data.readUInt32BE(offset + 12) : 0,
        );
      }
      if (data.length - offset < length) break;
      frames.push(data.subarray(offset, offset + length));
      offset += length;
    }
    if (offset < data.length) {
      const rest = data.subarray(offset);
      this.chunks = [rest];
      this.buffered = rest.length;
    }
    return frames;
  }
}

export class FramingError extends SmppError {
  readonly sequence: number;
  constructor(length: number, max: number, sequence: number) {
    super(
      ErrorCodes.SMPP_FRAMING,
      SmppStatus.ESME_RINVCMDLEN,
      `command_length ${length} outside ${PDU_HEADER_BYTES}..${max}: framing lost`,
      { fatal: true },
    );
    this.sequence = sequence;
  }
}
