/**
 * The daemon as production runs it: compiled JavaScript (the Dockerfile's `npm run build`), not TypeScript through
 * tsx, whose transpiler would add tens of MiB to every RSS figure. Built once per bench run into .tmp/bench-build
 * (never dist/, which bin/otpgw.js would then prefer), with the runtime paths (scripts/lib/runtime-tree.ts) linked
 * beside it so the paths the code resolves from its own location hold.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { linkRuntimePaths } from "../lib/runtime-tree.js";

/** Compiled trees of this bench run, by the root they were compiled from. */
const built = new Map<string, string>();

/** Compiles `repoRoot`'s src/ once per run; returns the CLI entry to run with node. */
export function compiledCli(repoRoot: string): string {
  const done = built.get(repoRoot);
  if (done) return done;
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
  linkRuntimePaths(repoRoot, out);
  const cli = join(out, "dist", "cli", "main.js");
  built.set(repoRoot, cli);
  return cli;
}

/**
 * The tree of git revision `rev` of this repository, extracted once into .tmp/ab-<commit> with this checkout's
 * node_modules linked in (the revisions compared share their dependencies), for `compiledCli`.
 * @throws Error naming the revision when git does not know it.
 */
export function checkoutRevision(repoRoot: string, rev: string): { dir: string; commit: string } {
  let commit: string;
  try {
    commit = execFileSync("git", ["rev-parse", "--verify", `${rev}^{commit}`], {
      cwd: repoRoot,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error("--ab-rev needs git (apt-get install git) and a git checkout of otpgw");
    }
    throw new Error(`--ab-rev ${rev}: not a commit of this repository (git rev-parse --verify failed)`);
  }
  const dir = join(repoRoot, ".tmp", `ab-${commit.slice(0, 12)}`);
  if (!existsSync(join(dir, "package.json"))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const archive = execFileSync("git", ["archive", commit], { cwd: repoRoot, maxBuffer: 256 * 1024 * 1024 });
    execFileSync("tar", ["-x", "-C", dir], { input: archive });
    symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"));
  }
  return { dir, commit };
}
