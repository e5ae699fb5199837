import { describe, expect, it } from "vitest";
import {
  formatPasswordHash,
  hashPassword,
  parsePasswordHash,
  smppPasswordProblem,
  verifyPassword,
} from "../../../src/north/accounts/password-hash.js";

/** Replaces field `index` (0 = "scrypt") of a stored hash. */
function withField(hash: string, index: number, value: string): string {
  const fields = hash.split("$");
  fields[index] = value;
  return fields.join("$");
}

describe("hashPassword", () => {
  it("writes scrypt$16384$8$1$<16-byte salt>$<32-byte key> with a fresh salt each time", async () => {
    const first = await hashPassword("pw123456");
    const second = await hashPassword("pw123456");
    expect(first).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    expect(second).not.toBe(first);
    const parsed = parsePasswordHash(first).hash;
    expect(parsed?.salt).toHaveLength(16);
    expect(parsed?.key).toHaveLength(32);
    expect(parsed && formatPasswordHash(parsed)).toBe(first);
  });
});

describe("verifyPassword", () => {
  it("accepts the right password and refuses a wrong one, one character off, or empty", async () => {
    const hash = await hashPassword("pw123456");
    expect(await verifyPassword("pw123456", hash)).toBe(true);
    expect(await verifyPassword("pw123457", hash)).toBe(false);
    expect(await verifyPassword("pw12345", hash)).toBe(false);
    expect(await verifyPassword("", hash)).toBe(false);
  });

  it("refuses the right password against a tampered hash: key, salt, parameters or format", async () => {
    const hash = await hashPassword("pw123456");
    const key = Buffer.from(hash.split("$")[5]!, "base64");
    key[0] = key[0]! ^ 1;
    const salt = Buffer.from(hash.split("$")[4]!, "base64");
    salt[15] = salt[15]! ^ 0x80;
    const tampered = [
      withField(hash, 5, key.toString("base64")),
      withField(hash, 4, salt.toString("base64")),
      withField(hash, 1, "32768"),
      withField(hash, 2, "4"),
      withField(hash, 0, "scrypt2"),
      // A prefix of the derived key would verify under PBKDF2's construction: refused by length.
      withField(hash, 5, key.subarray(0, 30).toString("base64")),
      hash.slice(0, -4),
      `${hash}$`,
      "pw123456",
    ];
    for (const candidate of tampered) expect(await verifyPassword("pw123456", candidate)).toBe(false);
  });
});

describe("parsePasswordHash", () => {
  it("explains each refusal without quoting the text", () => {
    const valid = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    expect(parsePasswordHash(valid).problem).toBeUndefined();
    const cases: [string, RegExp][] = [
      ["secretpw", /looks like a plain password/],
      ["$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", /must be an scrypt hash/],
      ["scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==", /must have the form scrypt\$<N>/],
      [withField(valid, 1, "16000"), /N must be a power of two/],
      [withField(valid, 1, "0x4000"), /whole numbers/],
      [withField(valid, 1, "8192"), /too weak/],
      [withField(valid, 2, "64"), /r must be at most 32/],
      [withField(valid, 1, "262144"), /too heavy/],
      [withField(valid, 3, "5"), /p must be at most 4/],
      [withField(valid, 4, "AAAAAAAAAAAAAAAAAAAA"), /salt must be standard base64 of 16 to 64 bytes/],
      [withField(valid, 4, "AAAAAAAA AAAAAAAAAAAAA=="), /salt must be standard base64/],
      [withField(valid, 4, "A".repeat(88)), /salt must be standard base64 of 16 to 64 bytes/],
      [withField(valid, 5, "AAAAAAAAAAAAAAAAAAAAAA=="), /hash must be standard base64 of 32 bytes/],
      [withField(valid, 5, "A".repeat(88)), /hash must be standard base64 of 32 bytes/],
    ];
    for (const [text, reason] of cases) {
      const { hash, problem } = parsePasswordHash(text);
      expect(hash, text).toBeUndefined();
      expect(problem, text).toMatch(reason);
      expect(problem).not.toContain("secretpw");
    }
  });
});

describe("smppPasswordProblem", () => {
  it("allows 1 to 8 printable ASCII characters, the most SMPP 3.4's password field holds", () => {
    expect(smppPasswordProblem("a")).toBeUndefined();
    expect(smppPasswordProblem("Ab1 !~$%")).toBeUndefined();
    expect(smppPasswordProblem("")).toBe("the password is empty");
    expect(smppPasswordProblem("123456789")).toMatch(/has 9 characters; SMPP 3.4 allows at most 8/);
    expect(smppPasswordProblem("pässwd")).toMatch(/printable ASCII/);
    expect(smppPasswordProblem("pw\t12")).toMatch(/printable ASCII/);
  });
});
