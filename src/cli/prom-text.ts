/**
 * Reads Prometheus's text format as a daemon's /metrics serves it: each sample's name, labels and value. Enough for
 * the command line to show a running instance's figures; comments, histograms' buckets and anything unparsable are
 * skipped.
 */
export interface Sample {
  name: string;
  labels: ReadonlyMap<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

export function parsePromText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = SAMPLE.exec(line);
    if (!match) continue;
    const value = Number(match[3]);
    if (Number.isNaN(value)) continue;
    const labels = new Map<string, string>();
    for (const label of (match[2] ?? "").matchAll(LABEL))
      labels.set(label[1]!, label[2]!.replace(/\\(.)/g, "$1"));
    samples.push({ name: match[1]!, labels, value });
  }
  return samples;
}

/** The samples named `name` whose labels include every one of `where`. */
export function samplesOf(
  samples: readonly Sample[],
  name: string,
  where: Record<string, string> = {},
): Sample[] {
  return samples.filter(
    (s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels.get(k) === v),
  );
}

/** The sum of the samples named `name` whose labels include every one of `where`. */
export function sumOf(samples: readonly Sample[], name: string, where: Record<string, string> = {}): number {
  let sum = 0;
  for (const sample of samplesOf(samples, name, where)) sum += sample.value;
  return sum;
}
