/**
 * CPU time and resident memory of another process, from Linux's /proc (`process.cpuUsage` only knows the
 * calling process). Elsewhere the readers return NaN, and the bench prints "n/a".
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

let ticksPerSecond: number | undefined;

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on nearly every Linux). */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    const out = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim();
    const n = Number(out);
    ticksPerSecond = Number.isFinite(n) && n > 0 ? n : 100;
  }
  return ticksPerSecond;
}

/**
 * User + system CPU milliseconds the process has used so far — its threads, and the children it has waited for
 * (Redis's AOF-rewrite child, a fork that serialises the whole dataset, counts once Redis reaps it) — or NaN.
 */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields 14–17 of proc(5) (utime, stime, cutime, cstime); fields[0] is field 3 (state).
    const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    return (ticks * 1000) / clockTicks();
  } catch {
    return Number.NaN;
  }
}

/** Resident set size in MiB (VmRSS), or NaN. */
export function processRssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * A process's main thread so far: milliseconds on a CPU and runnable but waiting for one
 * (/proc/<pid>/task/<pid>/schedstat), or NaN. A relay's main thread carries every message: when it waits for a CPU
 * while the cores are shared, the relay's rate drops though no process is saturated.
 */
export function mainThreadSchedMs(pid: number): { onCpu: number; waiting: number } {
  try {
    const [onCpuNs, waitingNs] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, "utf8").trim().split(" ");
    return { onCpu: Number(onCpuNs) / 1e6, waiting: Number(waitingNs) / 1e6 };
  } catch {
    return { onCpu: Number.NaN, waiting: Number.NaN };
  }
}

/**
 * Read- and write-family system calls a process has made so far (`syscr`, `syscw` of /proc/<pid>/io: read, readv,
 * write, writev… on sockets and files alike — Redis's AOF appends and libuv's wake-ups count, sendmsg/recvmsg and
 * fsync do not), or NaN (no such process, or not readable by this user). `pid` "self" for this process.
 */
export function processSyscalls(pid: number | "self"): { reads: number; writes: number } {
  try {
    const io = readFileSync(`/proc/${pid}/io`, "utf8");
    const reads = /^syscr:\s+(\d+)/m.exec(io);
    const writes = /^syscw:\s+(\d+)/m.exec(io);
    return { reads: reads ? Number(reads[1]) : Number.NaN, writes: writes ? Number(writes[1]) : Number.NaN };
  } catch {
    return { reads: Number.NaN, writes: Number.NaN };
  }
}

/** This process's user + system CPU milliseconds so far. */
export function ownCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}
