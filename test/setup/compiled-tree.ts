/**
 * The daemon and CLI compiled once per test run, for the tests that start them as processes: `node dist/cli/main.js`
 * starts in about half the time of `node --import tsx src/cli/main.ts` (tsx's loader thread and its transforms), and
 * the suite starts a few hundred of them. esbuild only strips the types, file by file (no bundling), so dist/ has
 * src/'s layout and the code resolves its files as the compiled image does; `npm run typecheck` checks the types.
 */
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { linkRuntimePaths } from "../../scripts/lib/runtime-tree.js";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

/** A compiled tree of `repoRoot`'s src/ in a directory of its own; returns the CLI entry and the tree to remove. */
export async function compileForTests(repoRoot: string): Promise<{ cli: string; tree: string }> {
  const tree = join(repoRoot, ".tmp", `test-build-${process.pid}`);
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(tree, { recursive: true });
  const src = join(repoRoot, "src");
  try {
    await build({
      entryPoints: sourceFiles(src),
      outdir: join(tree, "dist"),
      outbase: src,
      format: "esm",
      platform: "node",
      target: "node20",
      logLevel: "silent",
    });
  } catch (error) {
    rmSync(tree, { recursive: true, force: true });
    throw new Error(`cannot compile src/ for the tests: ${(error as Error).message}`);
  }
  linkRuntimePaths(repoRoot, tree);
  return { cli: join(tree, "dist", "cli", "main.js"), tree };
}
