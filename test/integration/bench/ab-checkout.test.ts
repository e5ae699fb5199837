import { existsSync, lstatSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { checkoutRevision } from "../../../scripts/bench/compiled-daemon.js";

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));

describe("bench A/B: another revision's tree (real git)", () => {
  it("extracts a commit's tree beside this checkout, sharing its node_modules", () => {
    const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: repoRoot, encoding: "utf8" }).trim();
    const { dir, commit } = checkoutRevision(repoRoot, "HEAD");
    try {
      expect(commit).toBe(head);
      expect(dir).toBe(join(repoRoot, ".tmp", `ab-${head.slice(0, 12)}`));
      expect(readFileSync(join(dir, "src", "daemon.ts"), "utf8")).toBe(
        execFileSync("git", ["show", `${head}:src/daemon.ts`], { cwd: repoRoot, encoding: "utf8" }),
      );
      expect(lstatSync(join(dir, "node_modules")).isSymbolicLink()).toBe(true);
      expect(existsSync(join(dir, "node_modules", "smpp", "package.json"))).toBe(true);
      // Asked again: the same tree, not extracted twice.
      expect(checkoutRevision(repoRoot, head).dir).toBe(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names the revision git does not know", () => {
    expect(() => checkoutRevision(repoRoot, "no-such-revision-here")).toThrow(
      /--ab-rev no-such-revision-here: not a commit of this repository/,
    );
  });
});
