import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, onTestFinished } from "vitest";

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));

/** A checkout in miniature: bin/otpgw.js, a dist/ and a src/ entry point that each say who they are. */
function layout(options: { tsx: boolean }) {
  const root = mkdtempSync(join(tmpdir(), "otpgw-bin-"));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, "bin"));
  mkdirSync(join(root, "dist", "cli"), { recursive: true });
  mkdirSync(join(root, "src", "cli"), { recursive: true });
  copyFileSync(join(repoRoot, "bin", "otpgw.js"), join(root, "bin", "otpgw.js"));
  writeFileSync(join(root, "package.json"), '{ "type": "module" }');
  writeFileSync(join(root, "dist", "cli", "main.js"), 'console.log("dist");');
  writeFileSync(join(root, "src", "cli", "main.ts"), 'const from: string = "src";\nconsole.log(from);');
  if (options.tsx) {
    mkdirSync(join(root, "node_modules"));
    symlinkSync(join(repoRoot, "node_modules", "tsx"), join(root, "node_modules", "tsx"));
  }
  const age = (path: string, secondsAgo: number) => {
    const at = new Date(Date.now() - secondsAgo * 1000);
    utimesSync(join(root, path), at, at);
  };
  const run = () => spawnSync(process.execPath, [join(root, "bin", "otpgw.js")], { encoding: "utf8" });
  return { age, run };
}

describe("bin/otpgw.js", () => {
  it("runs dist/ when it is newer than every source", () => {
    const { age, run } = layout({ tsx: true });
    age("src/cli/main.ts", 60);
    expect(run().stdout.trim()).toBe("dist");
  });

  it("runs the sources when one was edited after the build, rather than yesterday's dist/", () => {
    const { age, run } = layout({ tsx: true });
    age("dist/cli/main.js", 60);
    const result = run();
    expect(result.stdout.trim()).toBe("src");
    expect(result.stderr).toBe("");
  });

  it("runs a stale dist/ with a warning where tsx is not installed", () => {
    const { age, run } = layout({ tsx: false });
    age("dist/cli/main.js", 60);
    const result = run();
    expect(result.stdout.trim()).toBe("dist");
    expect(result.stderr).toContain("dist/ is older than src/ (run `npm run build`)");
  });
});
