import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Range } from "yaml";
import type { ConfigProblem } from "./config-problem.js";

/** A parsed YAML file that remembers where each setting was written. */
export interface YamlSource {
  /** The document as plain data (`null` for an empty file); `undefined` when the text is not valid YAML. */
  data: unknown;
  /** YAML syntax errors, each with its line. */
  problems: ConfigProblem[];
  /**
   * The line of the setting at `path`: its key's line for a mapping entry, the item's line for a list item.
   * For a path that does not exist (a missing key), the line of its deepest existing ancestor, which is
   * where the missing key belongs.
   */
  lineOf: (path: readonly PropertyKey[]) => number;
}

/** Aliases can expand exponentially ("billion laughs"); a config file has no need for many. */
const maxAliasCount = 100;

/** Parses one YAML document; never throws, every failure becomes a problem with its line. */
export function parseYamlSource(text: string, source: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  const problems: ConfigProblem[] = [...doc.errors, ...doc.warnings].map((error) => ({
    source,
    line: lineAt(error.pos[0]),
    path: "",
    reason: `YAML syntax error: ${error.message}`,
  }));

  let data: unknown;
  if (doc.errors.length === 0) {
    try {
      data = doc.toJS({ maxAliasCount });
    } catch (error) {
      problems.push({ source, line: 1, path: "", reason: `YAML error: ${(error as Error).message}` });
    }
  }
  return { data, problems, lineOf: (path) => findLine(doc, path, lineAt) };
}

function findLine(doc: Document, path: readonly PropertyKey[], lineAt: (offset: number) => number): number {
  const startOf = (node: unknown): number | undefined => {
    const range = (node as { range?: Range | null } | null)?.range;
    return range ? lineAt(range[0]) : undefined;
  };
  let node: unknown = doc.contents;
  let line = startOf(node) ?? 1;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (!pair) return line;
      line = startOf(pair.key) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number") {
      const item: unknown = node.items[segment];
      if (item === undefined) return line;
      line = startOf(item) ?? line;
      node = item;
    } else {
      return line;
    }
  }
  return line;
}
