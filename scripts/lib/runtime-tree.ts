/**
 * A tree the compiled daemon runs from (dist/ beside the files it reads at run time), as the Dockerfile lays out its
 * image: the bench builds one with tsc, the test suite one with esbuild.
 */
import { existsSync, symlinkSync } from "node:fs";
import { join } from "node:path";

/**
 * What the compiled code reads beside dist/ (`new URL("../../data/…", import.meta.url)` and the like) — the same
 * paths the Dockerfile copies into its runtime image. A test checks every such path in src/ is listed here.
 */
export const RUNTIME_PATHS = ["docs", "data", "package.json", "node_modules"] as const;

/** Links `repoRoot`'s RUNTIME_PATHS into `out` (an older revision, --ab-rev, may lack one: data/ came later). */
export function linkRuntimePaths(repoRoot: string, out: string): void {
  for (const path of RUNTIME_PATHS) {
    if (existsSync(join(repoRoot, path))) symlinkSync(join(repoRoot, path), join(out, path));
  }
}
