import { readFileSync } from "node:fs";

/** otpgw's version from package.json (two levels up from both src/cli and dist/cli). */
export function readVersion(): string {
  const text = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}
