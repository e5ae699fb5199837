import { describe, expect, it } from "vitest";
import { createLogger } from "../../../src/observability/logger.js";
import { createMetrics } from "../../../src/observability/metrics.js";
import { AccountControls } from "../../../src/ops/account-controls.js";
import type { CarrierControl } from "../../../src/ops/carrier-controls.js";
import { rangeControlId } from "../../../src/ops/control-store.js";

const T0 = 1_800_000_000_000;

function controls() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    level: "info",
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  const metrics = createMetrics();
  const accounts = new AccountControls({ logger, metrics });
  const changes = () =>
    lines.filter((l) => l.range !== undefined).map((l) => `${String(l.change)} ${String(l.range)}`);
  const gauge = async (account: string) =>
    (await metrics.rangesBlocked.get()).values.find((v) => v.labels.account === account)?.value;
  return { accounts, changes, gauge };
}

const block = (until?: number): CarrierControl => ({ drain: { by: "noc", at: T0, until } });
const lifted = () => ({});

describe("AccountControls: blocked ranges over time", () => {
  it("lifts each block when its end passes, between reads of the store", async () => {
    const { accounts, changes, gauge } = controls();
    accounts.take(
      new Map([
        [rangeControlId("acme", "+4479"), block(T0 + 1_000)],
        [rangeControlId("*", "+23490"), block(T0 + 3_000)],
        [rangeControlId("acme", "+1555"), block()],
      ]),
    );
    accounts.refresh(T0, lifted);
    expect(accounts.blockedRange("acme", "+447912345678")).toBe("+4479");
    expect(accounts.blockedRange("other", "+2349012345678")).toBe("+23490");
    expect(changes()).toEqual(["blocked +4479", "blocked +1555", "blocked +23490"]);

    // Polls before any end: nothing changes.
    accounts.refresh(T0 + 250, lifted);
    accounts.refresh(T0 + 999, lifted);
    expect(accounts.blockedRange("acme", "+447912345678")).toBe("+4479");
    expect(changes()).toHaveLength(3);

    accounts.refresh(T0 + 1_000, lifted);
    expect(accounts.blockedRange("acme", "+447912345678")).toBeUndefined();
    expect(accounts.blockedRange("acme", "+15551234567")).toBe("+1555");
    expect(changes().slice(3)).toEqual(["unblocked +4479"]);
    expect(await gauge("acme")).toBe(1);

    accounts.refresh(T0 + 2_999, lifted);
    expect(accounts.blockedRange("other", "+2349012345678")).toBe("+23490");
    accounts.refresh(T0 + 3_250, lifted);
    expect(accounts.blockedRange("other", "+2349012345678")).toBeUndefined();
    expect(changes().slice(4)).toEqual(["unblocked +23490"]);
    expect(await gauge("*")).toBe(0);

    // The block without an end stays however long the store is not read again.
    accounts.refresh(T0 + 86_400_000, lifted);
    expect(accounts.blockedRange("acme", "+15551234567")).toBe("+1555");
    expect(changes()).toHaveLength(5);
  });

  it("applies what the store says at once, also a block lifted before its end", () => {
    const { accounts, changes } = controls();
    accounts.take(new Map([[rangeControlId("acme", "+4479"), block(T0 + 60_000)]]));
    accounts.refresh(T0, lifted);
    accounts.take(new Map([[rangeControlId("acme", "+4480"), block(T0 + 60_000)]]));
    accounts.refresh(T0 + 250, lifted);
    expect(accounts.blockedRange("acme", "+447912345678")).toBeUndefined();
    expect(accounts.blockedRange("acme", "+448012345678")).toBe("+4480");
    expect(changes()).toEqual(["blocked +4479", "blocked +4480", "unblocked +4479"]);

    accounts.take(new Map());
    accounts.refresh(T0 + 500, lifted);
    expect(accounts.blockedRange("acme", "+448012345678")).toBeUndefined();
    expect(changes().slice(3)).toEqual(["unblocked +4480"]);
  });
});
