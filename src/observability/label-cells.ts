import type { LabelValues } from "prom-client";

/** A label value as a map key: numbers as their text, so that 5 and "5" find one cell. */
function keyOf(value: string | number | undefined): string | undefined {
  return typeof value === "number" ? String(value) : value;
}

type Node<C> = Map<string | number | undefined, Node<C> | C>;

/**
 * The hot-path metrics' cells (HotCounter, HotHistogram), one per label set, found by the label values through small
 * maps — one per label, no string built per lookup. As in prom-client, a missing label and an undefined one are the
 * same, and a number is the same as its text (5 and "5"). `create` makes (and may check, with prom-client) a label set's cell the first time it is seen.
 */
export class LabelCells<T extends string, C extends object> {
  private readonly root: Node<C> = new Map();
  /** Every cell, in the order first seen. */
  readonly all: C[] = [];

  constructor(
    private readonly names: readonly T[],
    private readonly create: (labels: LabelValues<T>) => C,
  ) {}

  get(labels: LabelValues<T>): C {
    const names = this.names;
    const last = names.length - 1;
    let node = this.root;
    for (let i = 0; i < last; i++) {
      const value = keyOf(labels[names[i]!]);
      let next = node.get(value) as Node<C> | undefined;
      if (next === undefined) {
        next = new Map();
        node.set(value, next);
      }
      node = next;
    }
    const value = last >= 0 ? keyOf(labels[names[last]!]) : undefined;
    const found = node.get(value) as C | undefined;
    if (found !== undefined) return found;
    const cell = this.create(labels);
    node.set(value, cell);
    this.all.push(cell);
    return cell;
  }

  clear(): void {
    this.root.clear();
    this.all.length = 0;
  }
}
