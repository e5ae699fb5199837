/**
 * Binds to the server: cooldown of IPs with repeated failures, body validation, authentication (injected),
 * the per-system_id bind limit, and the registry of bound sessions. A failed bind is answered no sooner than
 * `failedBindDelayMs` after it arrived and the session is closed once the bind_resp flushed.
 */
import { SmppError } from "../../errors.js";
import type { Logger } from "../../observability/logger.js";
import { SmppStatus } from "../../smpp/command-status.js";
import type { DecodedPdu } from "../../smpp/session/pdu-codec.js";
import type { ResponseSpec } from "../../smpp/session/smpp-session.js";
import { parseBindBody, type BindBody } from "../../smpp/bind-body.js";
import { BindFailureTracker } from "./bind-failure-tracker.js";
import type { EsmeSession } from "./esme-session.js";
import type { AuthenticateBind, SmppServerMetrics, SmppServerOptions } from "./server-options.js";

/** The system_id in our bind_resp. */
export const SERVER_SYSTEM_ID = "otpgw";
/** The interface version we implement, sent as sc_interface_version to 0x34+ binds. */
export const SERVER_INTERFACE_VERSION = 0x34;

const OUTCOME_BY_STATUS: ReadonlyMap<number, string> = new Map([
  [SmppStatus.ESME_RINVPASWD, "invalid_password"],
  [SmppStatus.ESME_RINVSYSID, "unknown_system_id"],
  [SmppStatus.ESME_RBINDFAIL, "ip_not_allowed"],
]);

export class BindHandler {
  /** Bound sessions per system_id. */
  readonly bound = new Map<string, Set<EsmeSession>>();
  private readonly failures: BindFailureTracker;

  constructor(
    private readonly deps: {
      options: SmppServerOptions;
      authenticate: AuthenticateBind;
      logger: Logger;
      metrics?: SmppServerMetrics;
      /** Monotonic ms: the failed-bind delay and the failures' window and cooldown are durations in this process. */
      clock: () => number;
      /** Called after the bind_resp of a successful bind was written. */
      onBound: (session: EsmeSession) => void;
    },
  ) {
    this.failures = new BindFailureTracker({
      limit: deps.options.bindFailureLimit,
      windowMs: deps.options.bindFailureWindowMs,
      cooldownMs: deps.options.bindCooldownMs,
      clock: deps.clock,
    });
  }

  async bind(session: EsmeSession, pdu: DecodedPdu): Promise<ResponseSpec> {
    const started = this.deps.clock();
    const ip = session.remoteAddress;
    if (this.failures.isBlocked(ip)) {
      // No credential check at all during the cooldown: answer at once and close.
      return this.refuse(session, "ip_cooldown", SmppStatus.ESME_RBINDFAIL, "source IP in bind cooldown");
    }
    session.binding = true;
    try {
      let body: BindBody;
      try {
        body = parseBindBody(pdu.raw);
      } catch (error) {
        const status = error instanceof SmppError ? error.status : SmppStatus.ESME_RBINDFAIL;
        return await this.fail(session, started, "malformed", status, (error as Error).message);
      }
      const log = { systemId: body.systemId, bindType: body.type };
      let result;
      try {
        result = await this.deps.authenticate(body.systemId, body.password, ip);
      } catch (error) {
        this.deps.logger.error({ ...log, err: (error as Error).message }, "bind authentication failed");
        return this.refuse(session, "error", SmppStatus.ESME_RSYSERR, "authentication unavailable", log);
      }
      if (!result.ok) {
        const outcome = OUTCOME_BY_STATUS.get(result.status) ?? "refused";
        return await this.fail(session, started, outcome, result.status, result.reason, log);
      }
      const account = result.account;
      const smpp = account.smpp;
      if (smpp === undefined) {
        return await this.fail(session, started, "refused", SmppStatus.ESME_RBINDFAIL, "no SMPP access", log);
      }
      const sessions = this.bound.get(body.systemId) ?? new Set<EsmeSession>();
      if (sessions.size >= smpp.maxBinds) {
        return this.refuse(
          session,
          "max_binds",
          SmppStatus.ESME_RBINDFAIL,
          `already ${sessions.size} binds`,
          log,
        );
      }
      // Closed, or the ESME sent unbind while its bind was being checked: it is not to be bound any more.
      if (session.engine.closed || session.engine.state === "unbinding") {
        return { status: SmppStatus.ESME_RBINDFAIL };
      }
      sessions.add(session);
      this.bound.set(body.systemId, sessions);
      session.markBound(body, account);
      this.deps.metrics?.smppBinds.inc({ outcome: "ok" });
      session.logger.info({ ...log, account: account.id, interfaceVersion: body.interfaceVersion }, "bound");
      // After the bind_resp is written (the engine writes it when this promise settles): then receipts may flow.
      setImmediate(() => this.deps.onBound(session));
      return {
        fields: {
          system_id: SERVER_SYSTEM_ID,
          ...(body.interfaceVersion >= SERVER_INTERFACE_VERSION && {
            sc_interface_version: SERVER_INTERFACE_VERSION,
          }),
        },
      };
    } finally {
      session.binding = false;
    }
  }

  /** Forgets a closed session. */
  unregister(session: EsmeSession): void {
    const sessions = this.bound.get(session.systemId);
    if (!sessions?.delete(session)) return;
    if (sessions.size === 0) this.bound.delete(session.systemId);
  }

  /** A credential or address failure: counted towards the IP's cooldown, answered after the uniform delay. */
  private async fail(
    session: EsmeSession,
    started: number,
    outcome: string,
    status: number,
    reason: string,
    log: Record<string, unknown> = {},
  ): Promise<ResponseSpec> {
    if (this.failures.recordFailure(session.remoteAddress)) {
      session.logger.warn(
        { cooldownMs: this.deps.options.bindCooldownMs },
        "too many failed binds: IP cooling down",
      );
    }
    const wait = started + this.deps.options.failedBindDelayMs - this.deps.clock();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait).unref());
    return this.refuse(session, outcome, status, reason, log);
  }

  private refuse(
    session: EsmeSession,
    outcome: string,
    status: number,
    reason: string,
    log: Record<string, unknown> = {},
  ): ResponseSpec {
    this.deps.metrics?.smppBinds.inc({ outcome });
    session.logger.warn({ ...log, outcome, status }, `bind refused: ${reason}`);
    return { status, closeAfter: `bind refused (${outcome})` };
  }
}
