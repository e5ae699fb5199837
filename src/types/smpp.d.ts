/**
 * Our own declarations for the subset of the `smpp` package (node-smpp 0.5.1) that otpgw uses.
 * We use it as a PDU codec (and, in the simulator and the null-relay baseline, its Server/Session).
 * See ../shared/SMPP-NOTES.md for how it behaves.
 */
declare module "smpp" {
  import type { EventEmitter } from "node:events";
  import type { Server as NetServer, Socket } from "node:net";

  namespace smpp {
    /** Decoded or to-be-encoded PDU: header fields plus whatever mandatory fields and TLVs the command has. */
    interface PduFields {
      command_status?: number;
      sequence_number?: number;
      [field: string]: unknown;
    }

    class PDU {
      constructor(command: string, options?: PduFields);
      constructor(buffer: Buffer);
      static maxLength: number;
      command: string;
      command_length: number;
      command_id: number;
      command_status: number;
      sequence_number: number;
      [field: string]: unknown;
      isResponse(): boolean;
      response(options?: PduFields): PDU;
      toBuffer(): Buffer;
    }

    interface Session extends EventEmitter {
      socket: Socket;
      send(pdu: PDU, responseCallback?: (pdu: PDU) => void, sendCallback?: (pdu: PDU) => void): boolean;
      pause(): void;
      resume(): void;
      close(callback?: () => void): void;
      destroy(callback?: () => void): void;
    }

    interface Server extends NetServer {
      sessions: Session[];
    }

    interface ServerOptions {
      key?: string | Buffer;
      cert?: string | Buffer;
    }

    interface ConnectOptions {
      url?: string;
      host?: string;
      port?: number;
      tls?: boolean;
      auto_enquire_link_period?: number;
      [option: string]: unknown;
    }

    function createServer(listener?: (session: Session) => void): Server;
    function createServer(options: ServerOptions, listener?: (session: Session) => void): Server;
    function connect(options: ConnectOptions | string, listener?: () => void): Session;
    function addTLV(tag: string, options: { id: number; type: unknown; multiple?: boolean }): void;

    const errors: Record<string, number>;
    const commands: Record<string, { id: number }>;
    const commandsById: Record<number, { command: string }>;
    const consts: {
      REGISTERED_DELIVERY: Record<string, number>;
      ESM_CLASS: Record<string, number>;
      MESSAGE_STATE: Record<string, number>;
      TON: Record<string, number>;
      NPI: Record<string, number>;
      ENCODING: Record<string, number>;
    };
  }

  const smpp: typeof smpp;
  export = smpp;
}
