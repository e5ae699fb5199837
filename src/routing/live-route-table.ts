/**
 * The running route table, replaced as a whole when a reloaded routes.yaml is valid (src/config/config-reload.ts).
 * Readers call `match` on this object each time, so a lookup that started on the old table finishes on it and the
 * next one sees the new table: no message ever sees half of each.
 */
import { NOT_PORTED, type PortedLookup } from "./networks.js";
import type { Route } from "./route.js";
import type { RouteTable } from "./route-table.js";

export class LiveRouteTable {
  #table: RouteTable;
  #ported: PortedLookup = NOT_PORTED;

  constructor(table: RouteTable) {
    this.#table = table;
  }

  /** The table in use now. */
  get current(): RouteTable {
    return this.#table;
  }

  /** The routes of the table in use now. */
  get specs(): RouteTable["specs"] {
    return this.#table.specs;
  }

  /** The route for a destination in the table in use now (RouteTable.match). */
  match(e164: string, country: string): Route | undefined {
    return this.#table.match(e164, country, this.#ported);
  }

  /** Installs the ported numbers last loaded (src/ops/ported-watch.ts): every later lookup uses them. */
  usePorted(ported: PortedLookup): void {
    this.#ported = ported;
  }

  /** Installs a validated table: every later lookup uses it. */
  replace(table: RouteTable): void {
    this.#table = table;
  }
}
