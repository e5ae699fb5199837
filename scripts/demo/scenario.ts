/**
 * What the demo simulates: three carriers with their quirks, the WhatsApp and voice providers Indonesian OTPs
 * escalate to, the routes between them, the account that submits, the people who use (or never get) their codes,
 * and the timing that makes reroutes, escalations and expiries visible within a minute. Everything the other demo
 * files configure comes from here, so the story the summary tells can be read in one place.
 */
import type { SimulatorOptions } from "../sim/carrier-simulator.js";
import type { ChannelSimOutcomeOptions } from "../sim/channel-sim-http.js";

/** One simulated carrier: how the simulator behaves and how otpgw's carrier file is set up for it. */
export interface DemoCarrier {
  id: string;
  /** One line for the start-up banner: what is special about this carrier. */
  description: string;
  countries: string[];
  /** Simulator behaviour (credentials and port are added by the demo). */
  sim: SimulatorOptions;
  /** Extra lines for otpgw's carrier file (binds, window, throughput, id formats). */
  carrierYaml: string[];
}

/** SMPP account of every simulated carrier (system_id ≤ 15, password ≤ 8 characters). */
export const SMPP_SYSTEM_ID = "otpgw";
export const SMPP_PASSWORD = "demo-pw1";

/** The carrier taken down half way through sending, and how. */
export const OUTAGE_CARRIER = "id-telkomsel";
export const OUTAGE_MODE = "drop-connections" as const;

export const DEMO_CARRIERS: DemoCarrier[] = [
  {
    id: "id-telkomsel",
    description: "healthy: every message DELIVRD, receipts in ~0.3 s",
    countries: ["ID"],
    sim: {
      submitRespLatencyMs: { min: 3, max: 15 },
      receiptLatencyMs: { p50: 300, p95: 900 },
      outcomeMix: { DELIVRD: 1, UNDELIV: 0, EXPIRED: 0, none: 0 },
    },
    carrierYaml: ["binds: 2", "window: 10", "throughput_per_second: 100"],
  },
  {
    id: "id-indosat",
    description: "flaky: 20 % UNDELIV, 10 % no receipt, slow receipts, throttles above 25/s per bind",
    countries: ["ID"],
    sim: {
      submitRespLatencyMs: { min: 5, max: 30 },
      receiptLatencyMs: { p50: 500, p95: 1500 },
      outcomeMix: { DELIVRD: 70, UNDELIV: 20, EXPIRED: 0, none: 10 },
      throttlePerSecond: 25,
    },
    // Our cap is above what the carrier really takes, as happens in practice: ESME_RTHROTTLED shows.
    carrierYaml: ["binds: 2", "window: 10", "throughput_per_second: 40"],
  },
  {
    id: "kr-skt",
    description:
      "Korea: UCS-2 texts, decimal ids in responses and hex in receipts, 3 % UNDELIV; " +
      "half its DELIVRD are false (see CONVERSIONS)",
    countries: ["KR"],
    sim: {
      submitRespLatencyMs: { min: 3, max: 15 },
      receiptLatencyMs: { p50: 250, p95: 700 },
      outcomeMix: { DELIVRD: 97, UNDELIV: 3, EXPIRED: 0, none: 0 },
      messageIdFormat: "decimal",
      receiptIdFormat: "hex",
    },
    carrierYaml: ["binds: 1", "window: 10", "throughput_per_second: 100"],
  },
];

/**
 * Timing. The DLR timeout and the OTP validity are far shorter than in production (30 s and 5 min) so that
 * reroutes and expiries happen while the demo runs.
 */
export const DEMO_TIMING = {
  dlrTimeoutSeconds: 3,
  validitySeconds: 15,
  /** No attempt starts with less validity left than this (SMS or channel). */
  minRemainingValiditySeconds: 2,
  /**
   * How long WhatsApp waits for its final status before voice follows (production: 60 s of a 5 min validity).
   * SMS is spent 1-6 s after the submit (a failed receipt, or none within the DLR timeout, with the other carrier
   * down). WhatsApp's failures reach voice at once. After a silent WhatsApp send, voice follows 9 s later: by
   * 13 s when SMS was spent within 4 s (its wait then cut short by the expiry), too late otherwise — no attempt
   * starts in the last `minRemainingValiditySeconds`, so the code expires with voice never tried.
   */
  whatsappStatusTimeoutSeconds: 9,
  /** The same for a call (production: 120 s); the schema's minimum. */
  voiceStatusTimeoutSeconds: 5,
  /** Longest wait for every accepted message to reach a final state after the last submit. */
  finalWaitMs: 30_000,
  /**
   * Longest wait after the last submit for the pumping guard's block of the walk's range (it comes a few seconds
   * after the walk: its receipts, `conversionWaitSeconds`, the guard's pass every second, a second to apply it).
   */
  guardWaitMs: 15_000,
};

/** The channels Indonesian OTPs escalate to once SMS is spent, in order; Korea has none (compare the two). */
export const ESCALATION = ["whatsapp", "voice"] as const;
/** The mobile networks (MCC/MNC, as data/networks.yaml writes them) the Indonesian routes match. */
export const NETWORKS = { telkomsel: "510-10", indosat: "510-01" } as const;
/** The routes of each network's subscribers (routesYaml). */
export const SUBSCRIBER_ROUTES = {
  telkomsel: "id-telkomsel-subscribers",
  indosat: "id-indosat-subscribers",
} as const;
/** The routes with `escalation:`, and the one without. */
export const ESCALATING_ROUTES = [SUBSCRIBER_ROUTES.telkomsel, SUBSCRIBER_ROUTES.indosat, "indonesia"];
export const NON_ESCALATING_ROUTE = "south-korea";

/**
 * Number portability: some Telkomsel subscribers moved to Indosat and kept their numbers. Before the traffic starts,
 * the demo imports them with `otpgw ported import` (a CSV file, as a portability database exports it); routes match
 * by network, so their OTPs take Indosat's route though their prefixes are Telkomsel's. They are chosen among the
 * normal traffic's Telkomsel-range OTPs sent before the outage (the first of every `every`): while both carriers are
 * up, first attempts follow the route's 80/20; after, id-telkomsel is down and every route's go to id-indosat. The
 * rest of those OTPs are the comparison: the same prefixes, not ported. One in 2 makes about 27 of each in a default
 * run: enough for their first carriers to tell the two routes apart (of 10 ported numbers, 5 or fewer would go to
 * id-indosat about once in 23 runs).
 */
export const PORTED = {
  /** Where the numbers went. */
  network: NETWORKS.indosat,
  networkName: "Indosat",
  every: 2,
  /**
   * Below this many first attempts in either group, their carriers are not compared (the run is too short): with 20
   * each, at the routes' 79 % and 21 %, the comparison would fail by chance about once in 20,000 runs.
   */
  minCompared: 20,
  /** Longest wait for otpgw_ported_numbers to count the import (daemons read a change within about a second). */
  waitMs: 5_000,
  /** The carriers of the two networks: the ported numbers' route gives the first 80 %, the others' the second. */
  carriers: { ported: "id-indosat", notPorted: "id-telkomsel" },
  /** The route that must choose the first carrier of each group's messages. */
  routes: {
    ported: SUBSCRIBER_ROUTES.indosat,
    notPorted: SUBSCRIBER_ROUTES.telkomsel,
    indosatRange: SUBSCRIBER_ROUTES.indosat,
  },
};

/** One simulated escalation provider: its banner line and how its simulator picks each send's outcome. */
export interface DemoChannel {
  description: string;
  outcomes: ChannelSimOutcomeOptions;
  /** Before the first status callback, and again before the final one. */
  statusDelayMs: number;
}

export const DEMO_CHANNELS = {
  whatsapp: {
    description: "80 % delivered, 10 % failed, 10 % never a final status; statuses after 0.2 s and 0.4 s",
    outcomes: { deliverShare: 80, failShare: 10, silentShare: 10, seed: 7 },
    statusDelayMs: 200,
  },
  voice: {
    description:
      "85 % completed, 10 % no answer, 5 % never a final status; ringing after 0.5 s, ended after 1 s",
    outcomes: { deliverShare: 85, failShare: 10, silentShare: 5, seed: 11 },
    statusDelayMs: 500,
  },
} satisfies Record<(typeof ESCALATION)[number], DemoChannel>;

/** Environment variables carrying the channels' credentials into otpgw (`${VAR}` in otpgw.yaml). */
export const CHANNEL_SECRET_VARIABLES = {
  whatsappAccessToken: "WHATSAPP_ACCESS_TOKEN",
  whatsappAppSecret: "WHATSAPP_APP_SECRET",
  voiceApiKey: "VOICE_API_KEY",
  voiceCallbackSecret: "VOICE_CALLBACK_SECRET",
} as const;

/**
 * routes.yaml of the demo: each operator's subscribers go to it first, the other carrier is the fallback. By mobile
 * network (data/networks.yaml, the default networks file: Telkomsel is 510-10, Indosat 510-01), so a number follows
 * its ported entry (PORTED) rather than its prefix; the numbers of neither network (the attack's XL range) go by
 * country.
 */
export function routesYaml(): string {
  const escalation = `    escalation: [${ESCALATION.join(", ")}]`;
  return [
    "defaults:",
    `  dlr_timeout_seconds: ${DEMO_TIMING.dlrTimeoutSeconds}`,
    `  validity_seconds: ${DEMO_TIMING.validitySeconds}`,
    "  max_validity_seconds: 300",
    "routes:",
    `  - name: ${SUBSCRIBER_ROUTES.telkomsel}`,
    `    match: { network: "${NETWORKS.telkomsel}" }`,
    "    carriers:",
    "      - { carrier: id-telkomsel, weight: 80 }",
    "      - { carrier: id-indosat, weight: 20 }",
    escalation,
    `  - name: ${SUBSCRIBER_ROUTES.indosat}`,
    `    match: { network: "${NETWORKS.indosat}" }`,
    "    carriers:",
    "      - { carrier: id-indosat, weight: 80 }",
    "      - { carrier: id-telkomsel, weight: 20 }",
    escalation,
    "  - name: indonesia",
    "    match: { country: ID }",
    "    carriers:",
    "      - { carrier: id-telkomsel }",
    "      - { carrier: id-indosat }",
    escalation,
    "  - name: south-korea",
    "    match: { country: KR }",
    "    carriers:",
    "      - { carrier: kr-skt }",
    "",
  ].join("\n");
}

/** The environment variable that carries a carrier's SMPP password into otpgw (`${VAR}` in its file). */
export function passwordVariable(carrierId: string): string {
  return `CARRIER_${carrierId.toUpperCase().replace(/-/g, "_")}_PASSWORD`;
}

/**
 * The people behind the numbers, as the demo's "platform" (the account's login service) sees them: once a
 * message's final webhook says delivered, its person uses the code with probability `useShare`, a uniform
 * `delayMs` later, and the platform reports it (POST /v1/messages/{id}/conversion).
 *
 * One carrier lies: `lyingCarrier` answers DELIVRD for messages that never reach the handset. The simulator cannot
 * tell (it only picks receipts), so the demo's world decides here: a `neverArrivedShare` of the deliveries otpgw
 * credits to the lying carrier (spread evenly, with 0.5 every second one, so the lie does not depend on luck) are
 * ones whose person never got the code, and so never uses it. Everything the summary says about conversions is
 * read from otpgw (its /metrics and GET /v1/messages/:id), not from these numbers.
 *
 * The liar is kr-skt, alone on the south-korea route: routing has no other carrier to move its traffic to, and the
 * reports come after each message's final state, so reroutes, escalations and expiries are the same as without
 * them. (A person may use a code before its receipt arrives, which would end the message at once; the demo waits
 * for the webhook so that the rest of its story stays as it was.)
 */
export const CONVERSIONS = {
  useShare: 0.8,
  /** Bounded and short: the last reports land within half a second of the last final state. */
  delayMs: { min: 50, max: 400 },
  lyingCarrier: "kr-skt",
  neverArrivedShare: 0.5,
};

/** The one account the demo submits with. */
export const DEMO_ACCOUNT = {
  id: "demo",
  sender: "OTPGW",
  webhookSecretVariable: "ACCOUNT_DEMO_WEBHOOK_SECRET",
  /** Far above the demo's pace: the account limit is not what the demo shows. */
  ratePerSecond: 5000,
  /** `reports_conversions: true`: the platform's conversion reports are taken (403 otherwise). */
  reportsConversions: true,
  /**
   * Anti-abuse (accounts.yaml `countries`, `per_number_limit`, `per_range_limit`; docs/http-api.md, "Anti-abuse
   * limits"). The countries are those of the normal traffic (traffic-mix.ts: Indonesia and Korea). Its numbers are
   * eight random digits after an operator prefix, from a fixed seed, so every `--messages` (up to 5,000) sends a
   * prefix of the same list: those 5,000 never repeat a number and put at most 2 in one range of 1,000. The limits
   * below are well above that — a person may ask for a few codes, a range hold a few people — and far below what
   * PUMPING_ATTACK sends. All in one window: the demo lasts under a minute.
   */
  countries: ["ID", "KR"],
  perNumberLimit: { messages: 3, windowSeconds: 600 },
  perRangeLimit: { messages: 10, windowSeconds: 600, rangeDigits: 3 },
  /**
   * accounts.yaml `pumping_guard` (docs/http-api.md, "The pumping guard"), its ranges those of per_range_limit:
   * figures for a short demo. A range is judged once `minDeliveries` of its SMS deliveries have been, each
   * `conversionWaitSeconds` after it (the platform reports a used code within half a second). Of the walk's
   * `perRangeLimit.messages` that get through, the outage makes one or two late or sends them to WhatsApp: 6 leaves
   * room, and is more than half of them, so the walk's range cannot be blocked twice. The ranges of the normal
   * traffic hold at most 2 messages each: never judged. Defaults for the rest (`max_conversion_ratio` 0.2,
   * `window_seconds` 3600).
   */
  pumpingGuard: { minDeliveries: 6, conversionWaitSeconds: 2, blockSeconds: 600 },
};

/**
 * SMS pumping against the demo's account, sent among its normal traffic as one burst (at the same pace) a quarter of
 * the way through it, before the outage: OTPs walking through consecutive numbers of one premium-looking range of
 * an allowed country, a few to one number, a few to a country the account does not list. The normal traffic
 * shares no number or range with it (+62819 is XL's, which the normal traffic never uses; none of its 5,000 Korean
 * numbers is in the repeats' range), so the limits' refusals are exact: the walk gets `perRangeLimit.messages`
 * through, the repeats `perNumberLimit.messages`, the foreign numbers none. Those that get through are real
 * messages (routes `indonesia` and `south-korea`): they are delivered, rerouted or escalated and reach a final
 * state like the others. The platform never uses the walk's codes, as in a real attack (its numbers are the
 * fraudster's), so the account's pumping guard blocks the range; the repeats and the foreign numbers are treated
 * like the normal traffic, so that the conversion story stays that of the lying carrier.
 */
export const PUMPING_ATTACK = {
  /**
   * Sent after this share of the normal traffic, well before the outage (which would turn some of the walk's SMS
   * into escalations the guard does not judge). The account reaches the 100 judged deliveries the guard needs
   * later in the run (from 300 OTPs): the guard then judges the walk's range.
   */
  afterShare: 0.25,
  /** Consecutive numbers from `first`: they must stay within its range (`perRangeLimit.rangeDigits`). */
  rangeWalk: { first: "+6281988880000", count: 60 },
  /**
   * Once the pumping guard has blocked the walk's range, the walk goes on where it stopped with this many more
   * numbers: every one must be refused by the block (per_range_limit alone would refuse them for its window only).
   */
  secondWave: { count: 10 },
  /**
   * The same number again and again: a Korean one, since Korea's route does not escalate. WhatsApp sends name only
   * the number, so the escalation checks could not tell apart two messages to one number that both escalated.
   */
  repeats: { to: "+821055501234", count: 5, country: "KR" },
  /** Consecutive Uzbek mobile numbers (Beeline's 90): valid, so refused for their country, not as invalid. */
  abroad: { first: "+998905550101", count: 3, country: "UZ" },
};
