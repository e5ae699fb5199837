/**
 * The OTPs the demo sends: about 2/3 to Indonesian numbers (half in Telkomsel's ranges, half in Indosat's),
 * 1/3 to Korean numbers with Korean text (UCS-2), and a few long texts that need two SMS parts. The mix is
 * drawn from a seeded generator so every run sends the same shape of traffic; the codes are random. Texts and
 * codes stay in memory: nothing here is ever printed.
 */
import { randomInt } from "node:crypto";
import { seededRng } from "../sim/sampling.js";

/**
 * Where a message is meant to go, for the summary (the gateway decides the carrier). `id-other` (an Indonesian
 * number outside both operators' ranges) and `abroad` are the pumping attack's (pumping-attack.ts).
 */
export type Destination = "id-telkomsel-range" | "id-indosat-range" | "kr" | "id-other" | "abroad";

/** The account's anti-abuse limits, named as in `otpgw_submits_limited_total{limit}`. */
export type AbuseLimit = "country" | "number" | "range";

export interface DemoOtp {
  index: number;
  destination: Destination;
  to: string;
  text: string;
  /** The code in `text`: what WhatsApp and voice must send, alone, when the message escalates. */
  code: string;
  /** True for the texts that need two SMS parts. */
  long: boolean;
  clientRef: string;
  /** Only in the pumping attack: the anti-abuse limit this OTP is meant to run into. */
  attack?: AbuseLimit;
}

/** Every this many messages, one has a long (2-part) text. */
const LONG_EVERY = 17;

const TELKOMSEL_PREFIXES = ["+62811", "+62812", "+62813"];
const INDOSAT_PREFIXES = ["+62814", "+62815", "+62816", "+62855", "+62856", "+62857", "+62858"];

const SHORT_ID_TEXTS = [
  (code: string) => `Your OTPGW code is ${code}. It expires in 15 seconds.`,
  (code: string) => `Kode verifikasi Anda: ${code}. Jangan berikan kode ini kepada siapa pun.`,
];
// 160-306 GSM characters: two parts of 153.
const LONG_ID_TEXT = (code: string) =>
  `Kode verifikasi Anda adalah ${code}. Kode ini berlaku selama 15 detik dan hanya untuk satu kali masuk. ` +
  `Jangan berikan kode ini kepada siapa pun, termasuk petugas kami. Jika Anda tidak meminta kode ini, ` +
  `abaikan pesan ini dan segera ubah kata sandi Anda.`;
const SHORT_KR_TEXT = (code: string) =>
  `[OTPGW] 인증번호 [${code}]를 입력해 주세요. 타인에게 알려주지 마세요.`;
// 71-134 UCS-2 characters: two parts of 67.
const LONG_KR_TEXT = (code: string) =>
  `[OTPGW] 인증번호는 [${code}] 입니다. 이 번호는 15초 동안만 유효하며 한 번만 사용할 수 있습니다. ` +
  `본인이 요청하지 않았다면 이 메시지를 무시하고 즉시 비밀번호를 변경해 주세요. 직원은 절대 인증번호를 묻지 않습니다.`;

/** A fresh random six-digit code. */
export function otpCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, "0");
}

/** The short Indonesian-market text around `code` (English). */
export function shortOtpText(code: string): string {
  return SHORT_ID_TEXTS[0]!(code);
}

function digits(rng: () => number, count: number): string {
  let out = "";
  for (let i = 0; i < count; i++) out += String(Math.floor(rng() * 10));
  return out;
}

function pick<T>(rng: () => number, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}

/** The `count` OTPs of one run, in sending order. */
export function buildTrafficMix(count: number, seed = 20240601): DemoOtp[] {
  const rng = seededRng(seed);
  const otps: DemoOtp[] = [];
  for (let index = 0; index < count; index++) {
    const code = otpCode();
    const long = index % LONG_EVERY === LONG_EVERY - 1;
    const roll = rng();
    let destination: Destination;
    let to: string;
    let text: string;
    if (roll < 1 / 3) {
      destination = "kr";
      // Korean mobile numbers: +82 10 and eight digits, but not 10-597x to 10-599x (not allocated: the numbering
      // plan refuses them), which become 10-497x to 10-499x (the same draws, so the rest of the mix is unchanged).
      to = `+8210${digits(rng, 8).replace(/^59([7-9])/, "49$1")}`;
      text = long ? LONG_KR_TEXT(code) : SHORT_KR_TEXT(code);
    } else {
      destination = roll < 2 / 3 ? "id-telkomsel-range" : "id-indosat-range";
      const prefix = pick(rng, destination === "id-telkomsel-range" ? TELKOMSEL_PREFIXES : INDOSAT_PREFIXES);
      to = `${prefix}${digits(rng, 8)}`;
      text = long ? LONG_ID_TEXT(code) : pick(rng, SHORT_ID_TEXTS)(code);
    }
    otps.push({ index, destination, to, text, code, long, clientRef: `demo-${index}` });
  }
  return otps;
}

/** "98 to Telkomsel's ranges, 91 to Indosat's, 111 to Korea (UCS-2); 17 long (2 parts)": the normal traffic. */
export function describeMix(all: DemoOtp[]): string {
  const otps = all.filter((o) => o.attack === undefined);
  const count = (destination: Destination) => otps.filter((o) => o.destination === destination).length;
  return (
    `${count("id-telkomsel-range")} to Telkomsel's number ranges, ${count("id-indosat-range")} to Indosat's, ` +
    `${count("kr")} to Korea (Korean text, UCS-2); ${otps.filter((o) => o.long).length} long (2 SMS parts)`
  );
}
