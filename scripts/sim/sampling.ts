/**
 * Random draws for the simulator: latencies and outcomes. Pure functions of an injected `rng` in [0, 1), so a
 * seeded generator makes a whole run reproducible.
 */
import type { LogNormalMs, Outcome, OutcomeMix, UniformMs } from "./options.js";
import { OUTCOMES } from "./options.js";

/** z-score of the 95th percentile of the standard normal distribution. */
const Z95 = 1.6448536269514722;

/** A clamp of the log-normal tail when `max` is not given: 4 × p95 keeps rare draws late but bounded. */
const DEFAULT_TAIL_FACTOR = 4;

export function sampleUniformMs(range: UniformMs, rng: () => number): number {
  return range.min + (range.max - range.min) * rng();
}

/**
 * A log-normal draw with the given median and 95th percentile: ln X ~ N(ln p50, σ) with
 * σ = (ln p95 − ln p50) / z95. A p50 of 0 (or p95 = p50) gives the constant p50.
 */
export function sampleLogNormalMs(shape: LogNormalMs, rng: () => number): number {
  if (shape.p50 <= 0 || shape.p95 <= shape.p50) return Math.max(0, shape.p50);
  const sigma = (Math.log(shape.p95) - Math.log(shape.p50)) / Z95;
  const value = Math.exp(Math.log(shape.p50) + sigma * standardNormal(rng));
  return Math.min(value, shape.max ?? shape.p95 * DEFAULT_TAIL_FACTOR);
}

export function sampleDelayMs(shape: LogNormalMs | UniformMs, rng: () => number): number {
  return "p50" in shape ? sampleLogNormalMs(shape, rng) : sampleUniformMs(shape, rng);
}

/** Box–Muller; 1 − u keeps the logarithm's argument in (0, 1]. */
function standardNormal(rng: () => number): number {
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Picks an outcome with probability proportional to its weight. */
export function pickOutcome(mix: OutcomeMix, rng: () => number): Outcome {
  let total = 0;
  for (const o of OUTCOMES) total += mix[o] ?? 0;
  let x = rng() * total;
  for (const o of OUTCOMES) {
    const w = mix[o] ?? 0;
    if (w <= 0) continue;
    if (x < w) return o;
    x -= w;
  }
  // Floating-point rounding can leave x just above the last weight: fall back to the last weighted outcome.
  for (let i = OUTCOMES.length - 1; i >= 0; i--) {
    const o = OUTCOMES[i] as Outcome;
    if ((mix[o] ?? 0) > 0) return o;
  }
  return "none";
}

/**
 * A seeded generator in [0, 1) (mulberry32): small, fast and good enough for simulated latencies and outcomes,
 * so a run (or a YAML `seed:`) is reproducible.
 */
export function seededRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
