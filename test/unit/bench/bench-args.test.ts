import { describe, expect, it } from "vitest";
import { parseBenchArgs } from "../../../scripts/bench/bench-args.js";

const SCENARIOS = ["store", "smpp", "http"];

describe("bench command line", () => {
  it("reads the defaults and the A/B options of the smpp scenario", () => {
    expect(parseBenchArgs([], SCENARIOS)).toMatchObject({ seconds: 3, repeat: 1, nodeOptions: [] });
    expect(parseBenchArgs([], SCENARIOS).ab).toBeUndefined();
    const args = parseBenchArgs(
      [
        "--only",
        "smpp",
        "--ab-rev",
        "HEAD~2",
        "--ab-node-options",
        "--max-semi-space-size=32 --single-threaded-gc",
        "--ab-redis-batch-delay-ms",
        "1",
      ],
      SCENARIOS,
    );
    expect(args.ab).toEqual({
      rev: "HEAD~2",
      nodeOptions: ["--max-semi-space-size=32", "--single-threaded-gc"],
      redisBatchDelayMs: 1,
    });
    expect(parseBenchArgs(["--ab-redis-batch-delay-ms", "0"], SCENARIOS).ab).toEqual({
      redisBatchDelayMs: 0,
    });
    expect(parseBenchArgs(["--ab-fsync", "everysec"], SCENARIOS).ab).toEqual({ appendfsync: "everysec" });
    expect(parseBenchArgs([], SCENARIOS)).toMatchObject({ binds: 2, carrierWindow: 50 });
    expect(parseBenchArgs(["--binds", "1", "--carrier-window", "100"], SCENARIOS)).toMatchObject({
      binds: 1,
      carrierWindow: 100,
    });
    expect(parseBenchArgs(["--ab-binds", "1", "--ab-carrier-window", "100"], SCENARIOS).ab).toEqual({
      binds: 1,
      carrierWindow: 100,
    });
  });

  it("refuses bad values with a message that names the option", () => {
    expect(() => parseBenchArgs(["--ab-rev", "HEAD; rm -rf /"], SCENARIOS)).toThrow(
      /--ab-rev takes a git revision/,
    );
    expect(() => parseBenchArgs(["--ab-node-options", "max-semi-space-size=32"], SCENARIOS)).toThrow(
      /--ab-node-options takes Node.js options/,
    );
    expect(() => parseBenchArgs(["--ab-redis-batch-delay-ms", "21"], SCENARIOS)).toThrow(
      /--ab-redis-batch-delay-ms must be an integer from 0 to 20/,
    );
    expect(() => parseBenchArgs(["--ab-fsync", "never"], SCENARIOS)).toThrow(
      /--ab-fsync takes always or everysec/,
    );
    expect(() => parseBenchArgs(["--redis-batch-delay-ms", "x"], SCENARIOS)).toThrow(
      /--redis-batch-delay-ms/,
    );
    expect(() => parseBenchArgs(["--only", "store", "--ab-rev", "HEAD"], SCENARIOS)).toThrow(
      /add smpp to --only/,
    );
    expect(() => parseBenchArgs(["--only", "nope"], SCENARIOS)).toThrow(
      /--only takes one or more of store, smpp, http/,
    );
    expect(() => parseBenchArgs(["--frobnicate"], SCENARIOS)).toThrow(/unknown argument --frobnicate/);
    expect(() => parseBenchArgs(["--carrier-window", "0"], SCENARIOS)).toThrow(
      /--carrier-window must be an integer from 1 to 1000/,
    );
    expect(() => parseBenchArgs(["--ab-binds", "17"], SCENARIOS)).toThrow(
      /--ab-binds must be an integer from 1 to 16/,
    );
    expect(() => parseBenchArgs(["--binds", "x"], SCENARIOS)).toThrow(
      /--binds must be an integer from 1 to 16/,
    );
  });
});
