/**
 * Reads a V8 `.cpuprofile` (written by `node --cpu-prof`) and says where the busy time went: by function
 * (self time) and by area (an npm package, a folder of otpgw's src/, GC; Node's core and native frames count
 * for the package or folder that called them). Idle time is left out of the shares, so they describe the CPU
 * the process really used.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { renderTable } from "../lib/table.js";
import { flameGraphSvg } from "./flame-graph-svg.js";

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileShare {
  name: string;
  ms: number;
  /** Share of the busy (non-idle) time, 0..1. */
  share: number;
}

export interface ProfileSummary {
  file: string;
  /** The same profile as folded stacks (`a;b;c <µs>` per line), the input of flame-graph tools. */
  folded?: string;
  /** The flame graph drawn from those stacks, an SVG to open in a browser. */
  flameGraph?: string;
  busyMs: number;
  idleMs: number;
  functions: ProfileShare[];
  areas: ProfileShare[];
}

/** The area a frame belongs to: `ioredis`, `@fastify/x`, `otpgw src/north`, `node:net`, `(garbage collector)`. */
function areaOf(url: string, functionName: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1]!;
  // A folder of otpgw's src/ or scripts/ (a file at their top level stands for itself).
  const own = /\/(src|scripts)\/([^/]+)/.exec(url);
  if (own) return `otpgw ${own[1]}/${own[2]}`;
  const dep = /^node:internal\/deps\/([^/]+)/.exec(url);
  if (dep) return `node:deps/${dep[1]}${dep[1] === "undici" ? " (fetch)" : ""}`;
  if (url.startsWith("node:")) return url.replace(/^node:(internal\/)?([^/.]+).*$/, "node:$2");
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
  return url;
}

function shortUrl(url: string): string {
  const i = url.search(/node_modules\/|\/src\/|\/scripts\//);
  return i >= 0 ? url.slice(url.indexOf("/", i) + 1) : url.replace(/^file:\/\//, "");
}

function top(map: Map<string, number>, busyMs: number, n: number): ProfileShare[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, ms: Math.round(us / 1000), share: us / 1000 / busyMs }));
}

export function summariseProfile(profile: CpuProfile, file: string, n = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  // Node core and native frames (a socket write, a hash, a stream) count for the nearest caller that is a
  // package or otpgw's own code: that is who asked for the work.
  const areaOfNode = (id: number): string => {
    let fallback: string | undefined;
    for (let up: number | undefined = id; up !== undefined; up = parentOf.get(up)) {
      const frame = byId.get(up)!.callFrame;
      if (frame.url === "") {
        // GC, (program): not called by anyone. (root) and native callers say nothing about who asked.
        if (up === id && frame.functionName.startsWith("(")) return frame.functionName;
        continue;
      }
      const area = areaOf(frame.url, frame.functionName);
      if (!area.startsWith("node:") || area.startsWith("node:deps/")) return area;
      fallback ??= area;
    }
    return fallback ?? "(native)";
  };

  const selfUs = new Map<number, number>();
  // timeDeltas[i + 1] is the time from sample i to the next one: that is how long sample i's frame ran.
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, profile.timeDeltas[i + 1] ?? 0));
  }
  const functions = new Map<string, number>();
  const areas = new Map<string, number>();
  let idleUs = 0;
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    if (frame.functionName === "(idle)") {
      idleUs += us;
      continue;
    }
    busyUs += us;
    const where = frame.url ? ` ${shortUrl(frame.url)}:${frame.lineNumber + 1}` : "";
    const name = `${frame.functionName || "(anonymous)"}${where}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
    const area = areaOfNode(id);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const busyMs = busyUs / 1000;
  return {
    file,
    busyMs: Math.round(busyMs),
    idleMs: Math.round(idleUs / 1000),
    functions: top(functions, busyMs, n),
    areas: top(areas, busyMs, n),
  };
}

/**
 * Summarises the busiest `.cpuprofile` in `dir` (the main thread's: `--import tsx` adds a loader thread with a
 * profile of its own), or returns undefined when there is none.
 */
/**
 * The profile as folded stacks: one line per distinct stack, root first, frames joined by `;`, then the
 * microseconds sampled in it — what flamegraph.pl, speedscope and most flame-graph viewers read. Idle time is
 * left out.
 */
export function foldedStacks(profile: CpuProfile): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const frame = (node: ProfileNode): string => {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? ` ${url.replace(/^.*\/(node_modules|dist)\//, "")}:${lineNumber + 1}` : "";
    return `${functionName || "(anonymous)"}${where}`.replaceAll(";", ",");
  };
  const stacks = new Map<string, number>();
  const stackOf = new Map<number, string>();
  profile.samples.forEach((id, i) => {
    const leaf = byId.get(id);
    if (!leaf || leaf.callFrame.functionName === "(idle)") return;
    let stack = stackOf.get(id);
    if (stack === undefined) {
      const frames: string[] = [];
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const node = byId.get(at)!;
        if (node.callFrame.functionName !== "(root)") frames.push(frame(node));
      }
      stack = frames.reverse().join(";");
      stackOf.set(id, stack);
    }
    stacks.set(stack, (stacks.get(stack) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return [...stacks].map(([stack, us]) => `${stack} ${Math.max(0, Math.round(us))}`).join("\n") + "\n";
}

/**
 * Summarises the busiest profile in `dir` and writes its folded stacks (`.folded`) and its flame graph (`.svg`)
 * beside it.
 */
export async function summariseBusiestProfile(dir: string, n = 15): Promise<ProfileSummary | undefined> {
  let best: ProfileSummary | undefined;
  let bestProfile: CpuProfile | undefined;
  for (const name of (await readdir(dir)).filter((f) => f.endsWith(".cpuprofile"))) {
    const file = join(dir, name);
    const profile = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
    const summary = summariseProfile(profile, file, n);
    if (!best || summary.busyMs > best.busyMs) [best, bestProfile] = [summary, profile];
  }
  if (best && bestProfile) {
    const folded = foldedStacks(bestProfile);
    best.folded = best.file.replace(/\.cpuprofile$/, ".folded");
    best.flameGraph = best.file.replace(/\.cpuprofile$/, ".svg");
    await writeFile(best.folded, folded);
    const title = `otpgw CPU, ${best.busyMs} ms busy (${basename(best.file)})`;
    await writeFile(best.flameGraph, flameGraphSvg(folded, { title }));
  }
  return best;
}

/** Prints a profile summary: self time by area, then by function. */
export function printProfile(profile: ProfileSummary): void {
  const pct = (share: number) => `${(share * 100).toFixed(1)} %`;
  console.log(
    `\notpgw CPU profile, whole run (${profile.busyMs} ms busy; ${profile.file}), self time by area`,
  );
  if (profile.flameGraph) console.log(`flame graph (open in a browser): ${profile.flameGraph}`);
  if (profile.folded) {
    console.log(
      `the same as folded stacks (flamegraph.pl, speedscope): ${profile.folded}; the .cpuprofile opens in Chrome ` +
        `DevTools (Performance)`,
    );
  }
  console.log(
    renderTable(
      ["area (native frames counted in their caller's)", "self ms", "share"],
      profile.areas.map((a) => [a.name, a.ms, pct(a.share)]),
    ),
  );
  console.log("\nby function (self time)");
  console.log(
    renderTable(
      ["function", "self ms", "share"],
      profile.functions.map((f) => [f.name, f.ms, pct(f.share)]),
    ),
  );
}
