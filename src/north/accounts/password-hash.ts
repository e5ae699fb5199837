/**
 * Salted password hashes for SMPP binds, with node:crypto's scrypt (built into Node and maintained with it: no
 * native add-on or third-party package to keep up to date). The stored form is self-describing, so the
 * parameters can be raised later without invalidating existing hashes:
 *
 *   scrypt$<N>$<r>$<p>$<salt, base64>$<derived key, base64>
 *
 * N=16384, r=8, p=1 (16 MiB, a few tens of milliseconds) is the scrypt paper's setting for interactive logins
 * and Node's own default. Every bind attempt pays it, including attempts with an unknown system_id (checked
 * against a dummy hash so they take as long), on libuv's small thread pool: heavier settings would let a flood
 * of bind attempts tie up memory and threads. The strength that matters offline comes mostly from the
 * password itself, which SMPP 3.4 caps at 8 characters: use random ones.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

/** What `hashPassword` writes. */
export const scryptDefaults = {
  /** N, the CPU/memory cost: a power of two. */
  cost: 16_384,
  /** r, the block size. */
  blockSize: 8,
  /** p, the parallelisation. */
  parallelization: 1,
  /** A fresh random salt per hash, so equal passwords get different hashes. */
  saltBytes: 16,
  /** The length of the derived key that is stored and compared. */
  keyBytes: 32,
} as const;

/** What a stored hash may use (scrypt needs 128·N·r bytes of memory per verification). */
export const passwordHashLimits = {
  /** Below the memory of the defaults (16 MiB), scrypt is cheaper to attack than we chose: refused. */
  minMemoryBytes: 16 * 1024 * 1024,
  /** Every bind attempt pays this; more would let a bind flood exhaust memory. */
  maxMemoryBytes: 64 * 1024 * 1024,
  maxBlockSize: 32,
  maxParallelization: 4,
  minSaltBytes: 16,
  maxSaltBytes: 64,
} as const;

/** SMPP 3.4: the bind `password` is a C-Octet String of at most 9 octets, the NUL included. */
export const smppPasswordMaxLength = 8;

/** A parsed `scrypt$…` hash. */
export interface PasswordHash {
  cost: number;
  blockSize: number;
  parallelization: number;
  salt: Buffer;
  key: Buffer;
}

const howToHash = "run `otpgw accounts hash-password` and write the line it prints";
const format = "scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>";

/** Hashes `password` (UTF-8) with a fresh salt and the default parameters. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(scryptDefaults.saltBytes);
  const parameters = {
    cost: scryptDefaults.cost,
    blockSize: scryptDefaults.blockSize,
    parallelization: scryptDefaults.parallelization,
  };
  const key = await deriveKey(password, salt, scryptDefaults.keyBytes, parameters);
  return formatPasswordHash({ ...parameters, salt, key });
}

/**
 * True when `password` matches `hash`. A hash that is not in the stored format (tampered, truncated) never
 * matches. The comparison of the derived keys takes the same time wherever they differ.
 */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const parsed = parsePasswordHash(hash);
  return parsed.hash !== undefined && verifyParsed(password, parsed.hash);
}

/** verifyPassword for a hash parsed once beforehand (the authenticator parses every account's at start). */
export async function verifyParsed(password: string, hash: PasswordHash): Promise<boolean> {
  const key = await deriveKey(password, hash.salt, hash.key.length, hash);
  return timingSafeEqual(key, hash.key);
}

export function formatPasswordHash(hash: PasswordHash): string {
  const { cost, blockSize, parallelization, salt, key } = hash;
  return `scrypt$${cost}$${blockSize}$${parallelization}$${salt.toString("base64")}$${key.toString("base64")}`;
}

/**
 * The hash, or why `text` is not one we accept. Reasons never quote the text: it may be a password written
 * where its hash belongs.
 */
export function parsePasswordHash(text: string): { hash?: PasswordHash; problem?: string } {
  if (!text.includes("$")) {
    return {
      problem: `looks like a plain password, not a hash: ${howToHash} (the password itself is never stored)`,
    };
  }
  const fields = text.split("$");
  if (fields[0] !== "scrypt") {
    return { problem: `must be an scrypt hash (${format}): ${howToHash}` };
  }
  if (fields.length !== 6) return { problem: `must have the form ${format}: ${howToHash}` };
  const [, costText = "", blockSizeText = "", parallelizationText = "", saltText = "", keyText = ""] = fields;
  const [cost, blockSize, parallelization] = [costText, blockSizeText, parallelizationText].map((field) =>
    /^[1-9]\d{0,8}$/.test(field) ? Number(field) : Number.NaN,
  ) as [number, number, number];
  if (Number.isNaN(cost) || Number.isNaN(blockSize) || Number.isNaN(parallelization)) {
    return { problem: `N, r and p must be whole numbers above 0 (${format})` };
  }
  if (cost < 2 || (cost & (cost - 1)) !== 0) return { problem: "N must be a power of two" };
  if (blockSize > passwordHashLimits.maxBlockSize) {
    return { problem: `r must be at most ${passwordHashLimits.maxBlockSize}` };
  }
  if (parallelization > passwordHashLimits.maxParallelization) {
    return { problem: `p must be at most ${passwordHashLimits.maxParallelization}` };
  }
  const memory = 128 * cost * blockSize;
  if (memory < passwordHashLimits.minMemoryBytes) {
    return {
      problem: `scrypt parameters too weak: 128·N·r must be at least 16 MiB (the defaults are N=${scryptDefaults.cost} r=${scryptDefaults.blockSize})`,
    };
  }
  if (memory > passwordHashLimits.maxMemoryBytes) {
    return {
      problem: "scrypt parameters too heavy: 128·N·r must be at most 64 MiB, as every bind attempt pays it",
    };
  }
  const salt = decodeBase64(saltText);
  if (
    salt === undefined ||
    salt.length < passwordHashLimits.minSaltBytes ||
    salt.length > passwordHashLimits.maxSaltBytes
  ) {
    return {
      problem: `the salt must be standard base64 of ${passwordHashLimits.minSaltBytes} to ${passwordHashLimits.maxSaltBytes} bytes`,
    };
  }
  const key = decodeBase64(keyText);
  // Exactly what we write: a shorter prefix of the derived key would still verify, so none is accepted.
  if (key === undefined || key.length !== scryptDefaults.keyBytes) {
    return { problem: `the hash must be standard base64 of ${scryptDefaults.keyBytes} bytes` };
  }
  return { hash: { cost, blockSize, parallelization, salt, key } };
}

/**
 * Why `password` cannot be an SMPP 3.4 bind password, or undefined when it can: it must be 1 to 8 printable
 * ASCII characters (ESMEs send it as plain octets; anything else would be encoded differently by each one).
 */
export function smppPasswordProblem(password: string): string | undefined {
  if (password === "") return "the password is empty";
  if (!/^[\x20-\x7e]+$/.test(password)) {
    return "the password must be printable ASCII (ESMEs send it as single octets)";
  }
  if (password.length > smppPasswordMaxLength) {
    return `the password has ${password.length} characters; SMPP 3.4 allows at most ${smppPasswordMaxLength} (the bind's password field is 9 octets with its NUL)`;
  }
  return undefined;
}

/** Strict base64 (standard alphabet, padded) as Buffer writes it: a stray character is not skipped silently. */
function decodeBase64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, "base64");
  return bytes.toString("base64") === text ? bytes : undefined;
}

function deriveKey(
  password: string,
  salt: Buffer,
  keyBytes: number,
  parameters: Pick<PasswordHash, "cost" | "blockSize" | "parallelization">,
): Promise<Buffer> {
  const options: ScryptOptions = {
    cost: parameters.cost,
    blockSize: parameters.blockSize,
    parallelization: parameters.parallelization,
    // Node's default ceiling is 32 MiB; ours follows the limit above, with room for scrypt's small extras.
    maxmem: passwordHashLimits.maxMemoryBytes + 1024 * 1024,
  };
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyBytes, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}
