/**
 * The daemon as production runs it: compiled JavaScript (the Dockerfile's `npm run build`), not TypeScript through
 * tsx, whose transpiler would add tens of MiB to every RSS figure. Built once per bench run into .tmp/bench-build
 * (never dist/, which bin/otpgw.js would then prefer), with docs/ and package.json linked beside it so the paths
 * the code resolves from its own location hold.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";

let built: string | undefined;

/** Compiles src/ once; returns the CLI entry to run with node. */
export function compiledCli(repoRoot: string): string {
  if (built) return built;
  const out = join(repoRoot, ".tmp", "bench-build");
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const tsc = spawnSync(
    process.execPath,
    [
      join(repoRoot, "node_modules", "typescript", "bin", "tsc"),
      "-p",
      "tsconfig.build.json",
      "--outDir",
      join(out, "dist"),
    ],
    { cwd: repoRoot, encoding: "utf8" },
  );
  if (tsc.status !== 0)
    throw new Error(`cannot compile the daemon for the bench:\n${tsc.stdout}${tsc.stderr}`);
  symlinkSync(join(repoRoot, "docs"), join(out, "docs"));
  symlinkSync(join(repoRoot, "package.json"), join(out, "package.json"));
  symlinkSync(join(repoRoot, "node_modules"), join(out, "node_modules"));
  built = join(out, "dist", "cli", "main.js");
  return built;
}
