#!/usr/bin/env node
// Runs the compiled CLI when built (npm run build) and up to date; otherwise the TypeScript source through tsx.
// A dist/ older than a file of src/ (edited since the last build) would run yesterday's code without a word: the
// sources run instead, or, where tsx is not installed (a production image), dist/ with a warning.
import { existsSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const built = join(root, "dist", "cli", "main.js");
const sources = join(root, "src");

/** The newest modification time of a file under `dir` (0 when there is none). */
function newestMtimeMs(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const stale = existsSync(built) && existsSync(sources) && newestMtimeMs(sources) > statSync(built).mtimeMs;
const hasTsx = existsSync(join(root, "node_modules", "tsx"));
if (existsSync(built) && (!stale || !hasTsx)) {
  if (stale) process.stderr.write("otpgw: dist/ is older than src/ (run `npm run build`); running dist/\n");
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(pathToFileURL(join(root, "src", "cli", "main.ts")).href);
}
