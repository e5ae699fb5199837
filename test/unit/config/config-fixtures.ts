import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { expect } from "vitest";
import { ConfigError } from "../../../src/errors.js";

/** A minimal valid carrier file; `extra` lines are appended (keys must not repeat the ones here). */
export function carrierYaml(id: string, extra = "", port = 2775, countries = "[ID]"): string {
  return [
    `id: ${id}`,
    "host: 127.0.0.1",
    `port: ${port}`,
    "system_id: otpgw",
    `password: \${CARRIER_${id.toUpperCase().replace(/-/g, "_")}_PASSWORD}`,
    `countries: ${countries}`,
    extra,
  ].join("\n");
}

/** The variable the fixture accounts file reads its webhook secret from; tests put it in their env. */
export const fixtureWebhookSecretEnv = { ACCOUNT_TEST_WEBHOOK_SECRET: "fixture-secret-0123456789" };

/** A routes.yaml sending Indonesia to the given carriers (the fixture carriers all serve ID). */
export function routesYaml(carrierIds: readonly string[]): string {
  const carriers = carrierIds.map((id) => `      - { carrier: ${id} }`).join("\n");
  return `routes:\n  - name: indonesia\n    match: { country: ID }\n    carriers:\n${carriers}\n`;
}

/** A minimal valid accounts.yaml. */
export const accountsYaml = [
  "accounts:",
  "  - id: test",
  `    api_keys: [sha256:${"ab".repeat(32)}]`,
  "    webhook_secret: ${ACCOUNT_TEST_WEBHOOK_SECRET}",
  "    senders: [TEST]",
  "    rate_per_second: 10",
  "",
].join("\n");

/**
 * A temporary directory with the given files (paths relative to it); `remove()` deletes it. Unless the files
 * include them, a routes.yaml (routing Indonesia to every carrier whose file has a valid-looking id) and an
 * accounts.yaml are added at the top, so a tree with valid carriers is a valid configuration.
 */
export async function tempTree(
  given: Record<string, string>,
): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "otpgw-config-"));
  const files = { ...given };
  if (!("routes.yaml" in files)) {
    const ids = Object.entries(given)
      .filter(([path]) => /(^|\/)carriers\/[^/]+\.ya?ml$/.test(path))
      .map(([, text]) => /^id: ([a-z0-9][a-z0-9-]*)$/m.exec(text)?.[1])
      .filter((id): id is string => id !== undefined);
    if (ids.length > 0) files["routes.yaml"] = routesYaml([...new Set(ids)]);
  }
  if (!("accounts.yaml" in files)) files["accounts.yaml"] = accountsYaml;
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
