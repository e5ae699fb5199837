/**
 * The panels of the Grafana dashboard (docs/dashboards/otpgw-grafana.json): one line per panel, grouped in rows.
 * grafana-dashboard.ts turns them into Grafana's JSON model; the test suite checks every query against otpgw's
 * metrics with promtool.
 */
import { carrierSel, q, quantile, rate, sel, series, stat, type RowSpec } from "./dashboard-panel.js";

export type { PanelSpec, Query, RowSpec } from "./dashboard-panel.js";

export const rows: RowSpec[] = [
  {
    title: "Overview",
    panels: [
      stat(
        "Accepted / s",
        "OTPs acknowledged (HTTP 202 or submit_sm_resp OK) per second, every instance.",
        "reqps",
        [q(`sum(${rate("otpgw_messages_accepted_total", sel())})`, "accepted")],
      ),
      stat(
        "Delivered share",
        "Final states that are `delivered`, over the dashboard's range step: the OTPs that reached a handset.",
        "percentunit",
        [
          q(
            `sum(${rate("otpgw_messages_final_total", sel(', state="delivered"'))}) / sum(${rate("otpgw_messages_final_total", sel())})`,
            "delivered",
          ),
        ],
        { steps: [0.95, 0.9], reverse: true },
      ),
      stat(
        "Delivered in (p95)",
        "95 % of delivered OTPs reached the handset within this time of their acceptance (per the carriers' receipts).",
        "s",
        [q(quantile(0.95, "otpgw_message_final_seconds_bucket", sel(', state="delivered"'), ""), "p95")],
        { steps: [15, 30] },
      ),
      stat(
        "Carrier binds up",
        "Binds bound out of all configured, every carrier and instance (alert OtpgwCarrierDown).",
        "percentunit",
        [q(`sum(otpgw_carrier_bind_up{${sel()}}) / count(otpgw_carrier_bind_up{${sel()}})`, "binds up")],
        { steps: [0.99, 0.5], reverse: true },
      ),
      stat(
        "HTTP 5xx share",
        "Requests answered 5xx (503: Redis unreachable or carriers saturated; nothing was acknowledged).",
        "percentunit",
        [
          q(
            `(sum(${rate("otpgw_http_requests_total", sel(', status=~"5.."'))}) or vector(0)) / sum(${rate("otpgw_http_requests_total", sel())})`,
            "5xx",
          ),
        ],
        { steps: [0.01, 0.05] },
      ),
      stat(
        "Redis round trip p99",
        "The hot path's Redis script calls (every acknowledgement waits for one, fsync included).",
        "s",
        [q(quantile(0.99, "otpgw_redis_batch_seconds_bucket", sel(', outcome="ok"'), ""), "p99")],
        { steps: [0.02, 0.05] },
      ),
      stat("SMPP sessions", "Open ESME connections to otpgw's SMPP server, bound or not.", "none", [
        q(`sum(otpgw_smpp_sessions{${sel()}})`, "sessions"),
      ]),
      stat(
        "Redis settings problems",
        "Redis settings under which an acknowledged message could be lost (the log names the setting).",
        "none",
        [q(`max(otpgw_redis_settings_problems{${sel()}})`, "problems")],
        { steps: [1, 1] },
      ),
    ],
  },
  {
    title: "Messages",
    panels: [
      series(
        "Final states / s",
        "OTPs reaching each final state.",
        "reqps",
        [q(`sum by (state) (${rate("otpgw_messages_final_total", sel())})`, "{{state}}")],
        true,
      ),
      series("Time to the final state", "From acceptance to the final state, p50 and p95 by state.", "s", [
        q(quantile(0.5, "otpgw_message_final_seconds_bucket", sel(), "state"), "{{state}} p50"),
        q(quantile(0.95, "otpgw_message_final_seconds_bucket", sel(), "state"), "{{state}} p95"),
      ]),
      series(
        "Attempts / s by carrier",
        "Submissions of an OTP to a carrier, reroutes included.",
        "reqps",
        [q(`sum by (carrier) (${rate("otpgw_attempts_total", carrierSel())})`, "{{carrier}}")],
        true,
      ),
      series(
        "Webhooks / s by outcome",
        "Final-state webhooks to submitters: acknowledged, retried, given up.",
        "reqps",
        [q(`sum by (outcome) (${rate("otpgw_webhook_deliveries_total", sel())})`, "{{outcome}}")],
      ),
      series(
        "Escalations / s by channel and result",
        "WhatsApp and voice sends after SMS failed (accepted, refused, retried, not sent, stale), and the providers' status callbacks not recorded (unverified signature, malformed, failed).",
        "reqps",
        [
          q(
            `sum by (channel, result) (${rate("otpgw_escalation_sends_total", sel())})`,
            "{{channel}} {{result}}",
          ),
          q(
            `sum by (channel, outcome) (${rate("otpgw_channel_status_callbacks_total", sel(`,outcome!="recorded"`))})`,
            "{{channel}} status {{outcome}}",
          ),
        ],
      ),
      series(
        "Creates withdrawn / s",
        "Submits refused because Redis's answer was lost, by what became of the stored copy.",
        "reqps",
        [q(`sum by (outcome) (${rate("otpgw_messages_withdrawn_total", sel())})`, "{{outcome}}")],
      ),
    ],
  },
  {
    title: "Carriers",
    panels: [
      series("Binds up", "Bound binds per carrier (0: the carrier is down from otpgw's side).", "none", [
        q(`sum by (carrier) (otpgw_carrier_bind_up{${carrierSel()}})`, "{{carrier}}"),
      ]),
      series(
        "Bind slots held",
        "Per carrier and instance: the bind slots (leases in Redis) each instance holds; per carrier they add up to its binds setting.",
        "none",
        [
          q(
            `sum by (carrier, instance) (otpgw_carrier_bind_slots_held{${carrierSel()}})`,
            "{{carrier}} {{instance}}",
          ),
        ],
      ),
      series(
        "DELIVRD share of receipts",
        "Per carrier: receipts reporting delivery, of all its receipts.",
        "percentunit",
        [
          q(
            `sum by (carrier) (${rate("otpgw_carrier_receipts_total", carrierSel(', stat="DELIVRD"'))}) / sum by (carrier) (${rate("otpgw_carrier_receipts_total", carrierSel())})`,
            "{{carrier}}",
          ),
        ],
      ),
      series(
        "Conversion share by carrier",
        "Per SMS carrier: codes used (reported while delivered or still attempting) of the messages it delivered for accounts reporting conversions, over 5 minutes since conversions trail deliveries by a minute or two. Far below the other carriers: its DELIVRD receipts lie (alert OtpgwCarrierConversionLow). A carrier none of whose codes were used shows 0.",
        "percentunit",
        [
          q(
            `sum by (carrier) (${rate("otpgw_conversions_total", carrierSel(', channel="sms", message_state=~"delivered|attempting"'), "5m")} or 0 * ${rate("otpgw_conversions_expected_total", carrierSel(', channel="sms"'), "5m")}) / sum by (carrier) (${rate("otpgw_conversions_expected_total", carrierSel(', channel="sms"'), "5m")})`,
            "{{carrier}}",
          ),
        ],
      ),
      series(
        "DELIVRD receipt time",
        "From an attempt's start to the carrier's DELIVRD receipt: p50 and p95 by carrier.",
        "s",
        [
          q(
            quantile(0.5, "otpgw_carrier_receipt_seconds_bucket", carrierSel(', stat="DELIVRD"'), "carrier"),
            "{{carrier}} p50",
          ),
          q(
            quantile(0.95, "otpgw_carrier_receipt_seconds_bucket", carrierSel(', stat="DELIVRD"'), "carrier"),
            "{{carrier}} p95",
          ),
        ],
      ),
      series(
        "Live health factor",
        "Per route and carrier: what routing multiplies the carrier's weight by (delivered share × receipt speed × conversion score — its conversion share against the route's best carrier's, for accounts reporting conversions — over the last window; 1 = no change). The lowest across instances.",
        "none",
        [
          q(
            `min by (route, carrier) (otpgw_carrier_health_factor{${carrierSel()}})`,
            "{{route}} {{carrier}}",
          ),
        ],
      ),
      series(
        "Operator weight % (0 = drained)",
        "Carrier overrides set with `otpgw carriers weight|drain`: the percentage of its routes.yaml weight each carrier gets (100 = as configured), 0 while drained. The highest across instances (all read the same Redis within a second).",
        "percent",
        [
          q(
            `max by (carrier) (otpgw_carrier_weight_percent{${carrierSel()}} * (1 - otpgw_carrier_drained{${carrierSel()}}))`,
            "{{carrier}}",
          ),
        ],
      ),
      series(
        "Submits / s by outcome",
        "submit_sm answers: accepted, rejected (by status), unknown (no answer).",
        "reqps",
        [
          q(
            `sum by (carrier, outcome) (${rate("otpgw_carrier_submits_total", carrierSel())})`,
            "{{carrier}} {{outcome}}",
          ),
        ],
      ),
      series("submit_sm_resp time", "How long carriers take to answer a submit: p50 and p99.", "s", [
        q(
          quantile(0.5, "otpgw_carrier_submit_response_seconds_bucket", carrierSel(), "carrier"),
          "{{carrier}} p50",
        ),
        q(
          quantile(0.99, "otpgw_carrier_submit_response_seconds_bucket", carrierSel(), "carrier"),
          "{{carrier}} p99",
        ),
      ]),
      series(
        "Queued submits",
        "Waiting for a window slot or throughput (alert OtpgwCarrierBacklog).",
        "none",
        [q(`sum by (carrier) (otpgw_carrier_queued{${carrierSel()}})`, "{{carrier}}")],
      ),
      series(
        "Outstanding per bind",
        "Submits written and not yet answered, against each bind's window.",
        "none",
        [
          q(
            `max by (carrier, bind) (otpgw_carrier_bind_outstanding{${carrierSel()}})`,
            "{{carrier}}/{{bind}}",
          ),
        ],
      ),
      series(
        "Throttled / s, unmatched receipts / s",
        "ESME_RTHROTTLED / ESME_RMSGQFUL answers; receipts otpgw could not match.",
        "reqps",
        [
          q(
            `sum by (carrier) (${rate("otpgw_carrier_throttled_total", carrierSel())})`,
            "{{carrier}} throttled",
          ),
          q(
            `sum by (carrier) (${rate("otpgw_carrier_receipts_unmatched_total", carrierSel())})`,
            "{{carrier}} unmatched",
          ),
        ],
      ),
      series(
        "Bind reconnects and refusals / s",
        "Reconnects by reason; binds the carrier refused by status.",
        "reqps",
        [
          q(
            `sum by (carrier, reason) (${rate("otpgw_carrier_bind_reconnects_total", carrierSel())})`,
            "{{carrier}} {{reason}}",
          ),
          q(
            `sum by (carrier, status) (${rate("otpgw_carrier_bind_refused_total", carrierSel())})`,
            "{{carrier}} refused {{status}}",
          ),
        ],
      ),
    ],
  },
  {
    title: "Submitters (HTTP and SMPP)",
    panels: [
      series("HTTP requests / s by status", "Every HTTP API answer.", "reqps", [
        q(`sum by (route, status) (${rate("otpgw_http_requests_total", sel())})`, "{{route}} {{status}}"),
      ]),
      series("SMPP sessions", "Open ESME connections, bound or not.", "none", [
        q(`sum(otpgw_smpp_sessions{${sel()}})`, "sessions"),
      ]),
      series("SMPP submits / s", "submit_sm answered OK by outcome, and PDUs refused by reason.", "reqps", [
        q(`sum by (outcome) (${rate("otpgw_smpp_submits_total", sel())})`, "{{outcome}}"),
        q(`sum by (reason) (${rate("otpgw_smpp_pdus_refused_total", sel())})`, "refused {{reason}}"),
      ]),
      series(
        "SMPP binds and receipts / s",
        "Bind attempts by outcome; receipts (deliver_sm) by outcome.",
        "reqps",
        [
          q(`sum by (outcome) (${rate("otpgw_smpp_binds_total", sel())})`, "bind {{outcome}}"),
          q(`sum by (outcome) (${rate("otpgw_smpp_receipts_total", sel())})`, "receipt {{outcome}}"),
        ],
      ),
      series(
        "Submits refused by anti-abuse limits / s",
        "Per account and limit (accounts.yaml): country (not in its countries), number (per_number_limit), range (per_range_limit: a walk through a block of numbers, the mark of SMS pumping), suspended (otpgw accounts suspend), blocked_range (otpgw ranges block, or the account's pumping guard). Alerts OtpgwSubmitsLimited, OtpgwPumpingGuardBlocked.",
        "reqps",
        [
          q(
            `sum by (account, limit) (${rate("otpgw_submits_limited_total", sel())})`,
            "{{account}} {{limit}}",
          ),
        ],
      ),
      series(
        "Connections refused / s",
        "Closed as accepted at http.max_connections, smpp.max_sessions or per-address limits.",
        "reqps",
        [
          q(`sum(${rate("otpgw_http_connections_refused_total", sel())})`, "http"),
          q(`sum by (reason) (${rate("otpgw_smpp_connections_refused_total", sel())})`, "smpp {{reason}}"),
        ],
      ),
    ],
  },
  {
    title: "Redis and the process",
    panels: [
      series("Redis round trip", "The hot path's script calls: p50 and p99, fsync included.", "s", [
        q(
          quantile(0.5, "otpgw_redis_batch_seconds_bucket", sel(', outcome="ok"'), "instance"),
          "{{instance}} p50",
        ),
        q(
          quantile(0.99, "otpgw_redis_batch_seconds_bucket", sel(', outcome="ok"'), "instance"),
          "{{instance}} p99",
        ),
      ]),
      series(
        "Redis operations per call, failed calls / s",
        "How many store operations share a call; calls that failed.",
        "none",
        [
          q(
            `sum(${rate("otpgw_redis_batch_ops_total", sel())}) / sum(${rate("otpgw_redis_batch_seconds_count", sel())})`,
            "ops per call",
          ),
          q(`sum(${rate("otpgw_redis_batch_seconds_count", sel(', outcome="error"'))})`, "failed calls / s"),
        ],
      ),
      series(
        "Redis replicas in sync",
        "Against redis_wait_replicas: at it, one replica less and every write fails.",
        "none",
        [
          q(`min(otpgw_redis_replicas_in_sync{${sel()}})`, "in sync"),
          q(`max(otpgw_redis_wait_replicas{${sel()}})`, "redis_wait_replicas"),
        ],
      ),
      series("CPU (cores)", "Each instance's process CPU.", "none", [
        q(`sum by (instance) (${rate("otpgw_process_process_cpu_seconds_total", sel())})`, "{{instance}}"),
      ]),
      series("Memory", "Resident set and V8 heap used, per instance.", "bytes", [
        q(`sum by (instance) (otpgw_process_process_resident_memory_bytes{${sel()}})`, "{{instance}} RSS"),
        q(`sum by (instance) (otpgw_process_nodejs_heap_size_used_bytes{${sel()}})`, "{{instance}} heap"),
      ]),
      series("Event loop lag p99", "Above ~100 ms the process is CPU-bound (alert OtpgwEventLoopLag).", "s", [
        q(`max by (instance) (otpgw_process_nodejs_eventloop_lag_p99_seconds{${sel()}})`, "{{instance}}"),
      ]),
      series(
        "TLS certificates: days left",
        "Until the certificates otpgw presents expire (SMPP listener, Redis client); alert under 14 days.",
        "d",
        [
          q(
            `min by (use) (otpgw_tls_certificate_expiry_timestamp_seconds{${sel()}} - time()) / 86400`,
            "{{use}}",
          ),
        ],
      ),
      // Last of all (not in the Submitters row, where it would belong) so that no earlier panel's id changes: ids
      // follow the order, and links to a panel (viewPanel=) name its id.
      series(
        "Time to acknowledge a submit",
        "An accepted submit's wait for its durable acknowledgement (submit_sm_resp, HTTP 202 or 200), p50 and p99 by interface. It follows the Redis round trip; when it rises alone, look at the process (CPU, event loop lag).",
        "s",
        [
          q(quantile(0.5, "otpgw_submit_ack_seconds_bucket", sel(), "interface"), "{{interface}} p50"),
          q(quantile(0.99, "otpgw_submit_ack_seconds_bucket", sel(), "interface"), "{{interface}} p99"),
        ],
      ),
    ],
  },
];
