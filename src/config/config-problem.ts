/** One thing wrong with the configuration, located as precisely as we can. */
export interface ConfigProblem {
  /** The file as shown to the operator (relative to the cwd when inside it), or a source like `environment`. */
  source: string;
  /** 1-based line in `source`, when known. */
  line?: number;
  /** Dotted path of the setting, as written in the file (`reconnect.min_delay_ms`, `countries.1`); empty for the file. */
  path: string;
  reason: string;
}

/** `file:line: path: reason`, leaving out what is not known. */
export function formatProblem(problem: ConfigProblem): string {
  const where = problem.line === undefined ? problem.source : `${problem.source}:${problem.line}`;
  return problem.path === "" ? `${where}: ${problem.reason}` : `${where}: ${problem.path}: ${problem.reason}`;
}

/** Dotted form of a schema path: keys and list indexes joined with dots. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map(String).join(".");
}

/** Orders a file's problems by line, keeping the order of those on the same line (or without one). */
export function sortByLine(problems: readonly ConfigProblem[]): ConfigProblem[] {
  return problems
    .map((problem, index) => ({ problem, index }))
    .sort((a, b) => (a.problem.line ?? 0) - (b.problem.line ?? 0) || a.index - b.index)
    .map(({ problem }) => problem);
}
