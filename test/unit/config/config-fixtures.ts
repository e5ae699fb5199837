import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { expect } from "vitest";
import { ConfigError } from "../../../src/errors.js";

/** A minimal valid carrier file; `extra` lines are appended (keys must not repeat the ones here). */
export function carrierYaml(id: string, extra = "", port = 2775): string {
  return [
    `id: ${id}`,
    "host: 127.0.0.1",
    `port: ${port}`,
    "system_id: otpgw",
    `password: \${CARRIER_${id.toUpperCase().replace(/-/g, "_")}_PASSWORD}`,
    "countries: [ID]",
    extra,
  ].join("\n");
}

/** A temporary directory with the given files (paths relative to it); `remove()` deletes it. */
export async function tempTree(
  files: Record<string, string>,
): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "otpgw-config-"));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** The problems of the ConfigError `promise` rejects with (fails the test if it resolves). */
export async function problemsOf(promise: Promise<unknown>): Promise<string[]> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return [...(error as ConfigError).problems];
}
