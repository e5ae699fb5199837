import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { RUNTIME_PATHS } from "../../../scripts/lib/runtime-tree.js";

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));

/** Every file of src/ with the repository-relative paths it resolves from its own location. */
function pathsResolvedBySrc(): { file: string; path: string }[] {
  const found: { file: string; path: string }[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".ts")) {
        const text = readFileSync(full, "utf8");
        for (const match of text.matchAll(/new URL\("([^"]+)", import\.meta\.url\)/g)) {
          found.push({
            file: relative(repoRoot, full),
            path: relative(repoRoot, resolve(dirname(full), match[1]!)),
          });
        }
      }
    }
  };
  walk(join(repoRoot, "src"));
  return found;
}

/** The sources the Dockerfile's runtime stage copies from the build context (not from the build stage). */
function dockerRuntimeCopies(): string[] {
  const text = readFileSync(join(repoRoot, "Dockerfile"), "utf8");
  const runtime = text.slice(text.lastIndexOf("FROM "));
  const sources: string[] = [];
  for (const line of runtime.split("\n")) {
    const words = line.trim().split(/\s+/);
    if (words[0] !== "COPY" || words.some((word) => word.startsWith("--from"))) continue;
    sources.push(...words.slice(1, -1));
  }
  return sources;
}

describe("files the compiled code reads beside itself", () => {
  // dist/<dir>/file.js sits as deep as src/<dir>/file.ts, so a path src resolves is the same path in a built tree.
  const resolved = pathsResolvedBySrc();

  it("finds the ones src resolves (the networks file, the OpenAPI document, package.json)", () => {
    expect(resolved.map((entry) => entry.path)).toEqual(
      expect.arrayContaining(["data/networks.yaml", "docs/openapi.yaml", "package.json"]),
    );
  });

  it("are linked into the compiled trees (bench, test suite)", () => {
    for (const { file, path } of resolved) {
      const top = path.split("/")[0]!;
      expect(RUNTIME_PATHS, `${file} reads ${path}`).toContain(top);
    }
  });

  it("are copied into the Docker image", () => {
    const copies = dockerRuntimeCopies();
    for (const { file, path } of resolved) {
      const copied = copies.some(
        (source) => path === source || path.startsWith(`${source.replace(/\/$/, "")}/`),
      );
      expect(copied, `${file} reads ${path}, which the Dockerfile's runtime stage does not copy`).toBe(true);
    }
  });
});
