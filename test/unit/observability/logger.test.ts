import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../../src/observability/logger.js";
import { testRedis } from "../../helpers/redis.js";

/** A logger at debug whose lines are kept. */
function capturingLogger(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger({ level: "debug", destination }), lines };
}

describe("the log's redaction (configured once)", () => {
  it("hides passwords, texts and keys, also one level down", () => {
    const { logger, lines } = capturingLogger();
    logger.info(
      { password: "pw-SECRET", text: "Your code is 123456", account: { apiKey: "key-SECRET" } },
      "x",
    );
    expect(lines.join("")).not.toMatch(/SECRET|123456/);
    expect(lines.join("")).toContain("[redacted]");
  });

  it("hides the URL Node's ERR_INVALID_URL carries (a Redis URL with its password)", () => {
    const { logger, lines } = capturingLogger();
    let error: unknown;
    try {
      new URL("redis://:ab/cdSECRET@127.0.0.1:1/0");
    } catch (caught) {
      error = caught;
    }
    expect((error as { input?: string }).input).toContain("SECRET");
    logger.fatal({ err: error }, "start-up failed");
    expect(lines.join("")).not.toContain("SECRET");
    expect(lines.join("")).toContain("Invalid URL");
  });

  it("hides the arguments an ioredis error carries (a script's texts, a key's number)", async () => {
    const { client, prefix } = await testRedis();
    await client.set(`${prefix}k`, "x");
    let error: unknown;
    try {
      await client.eval("return redis.call('HGETALL', KEYS[1])", 1, `${prefix}k`, "Your code is 123456");
    } catch (caught) {
      error = caught;
    }
    expect(JSON.stringify((error as { command?: unknown }).command)).toContain("123456");
    const { logger, lines } = capturingLogger();
    logger.error({ err: error }, "request handler failed");
    logger.error({ err: new Error("wrapped", { cause: error }) }, "request handler failed");
    expect(lines.join("")).not.toContain("123456");
    expect(lines.join("")).toContain("WRONGTYPE");
  });
});
