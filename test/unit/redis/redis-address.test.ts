import { describe, expect, it } from "vitest";
import { parseDaemonSettings } from "../../../src/config/daemon-settings.js";
import { parseRedisAddress, redisConnection } from "../../../src/redis/redis-address.js";
import { maskUrl } from "../../../src/redis/redis-preflight.js";

describe("redis_url: one server or a primary found through Sentinel", () => {
  it("takes redis:// and rediss:// URLs as they are", () => {
    expect(parseRedisAddress("redis://:pw@10.0.0.5:6380/2")).toEqual({
      kind: "server",
      url: "redis://:pw@10.0.0.5:6380/2",
    });
    expect(parseRedisAddress("rediss://cache.example:6380").kind).toBe("server");
  });

  it("reads the sentinels, the master's name, the database and the data servers' credentials", () => {
    expect(
      parseRedisAddress("redis+sentinel://otpgw:p%40ss@10.0.0.1:26379,10.0.0.2,[::1]:26380/otp-main/3"),
    ).toEqual({
      kind: "sentinel",
      tls: false,
      sentinels: [
        { host: "10.0.0.1", port: 26379 },
        { host: "10.0.0.2", port: 26379 },
        { host: "::1", port: 26380 },
      ],
      masterName: "otp-main",
      db: 3,
      username: "otpgw",
      password: "p@ss",
    });
    expect(parseRedisAddress("redis+sentinel://s1:26379/mymaster")).toEqual({
      kind: "sentinel",
      tls: false,
      sentinels: [{ host: "s1", port: 26379 }],
      masterName: "mymaster",
      db: 0,
    });
  });

  it("says what is wrong with a URL it cannot use", () => {
    expect(() => parseRedisAddress("http://localhost:6379")).toThrow(
      /redis:\/\/, rediss:\/\/ or redis\+sentinel/,
    );
    expect(() => parseRedisAddress("redis+sentinel://s1:26379")).toThrow(/master's name/);
    expect(() => parseRedisAddress("redis+sentinel:///mymaster")).toThrow(/at least one sentinel/);
    expect(() => parseRedisAddress("redis+sentinel://s1:99999/m")).toThrow(/out of range/);
    expect(() => parseRedisAddress("redis+sentinel://s1/m/x")).toThrow(/database must be a number/);
    expect(() => parseRedisAddress("redis+sentinel://s1:2x/m")).toThrow(/not a sentinel host/);
  });

  it("makes Sentinel connection options (the sentinels' password from the environment, not the URL)", () => {
    const options = redisConnection(
      parseRedisAddress("redis+sentinel://:data-pw@s1:26379,s2:26379/mymaster/1"),
      { sentinelPassword: "sentinel-pw" },
      { lazyConnect: true },
    );
    expect(options).toMatchObject({
      lazyConnect: true,
      sentinels: [
        { host: "s1", port: 26379 },
        { host: "s2", port: 26379 },
      ],
      name: "mymaster",
      db: 1,
      password: "data-pw",
      sentinelPassword: "sentinel-pw",
      failoverDetector: true,
    });
    expect(options.url).toBeUndefined();
    expect(redisConnection(parseRedisAddress("redis://h:1"), {}, {})).toEqual({ url: "redis://h:1" });
  });

  it("TLS: rediss:// and rediss+sentinel:// get redis_tls's options, on the sentinels' connections too", () => {
    const tls = { ca: Buffer.from("CA PEM"), servername: "redis.internal" };
    expect(parseRedisAddress("rediss+sentinel://s1/m")).toMatchObject({ kind: "sentinel", tls: true });
    expect(redisConnection(parseRedisAddress("rediss+sentinel://s1/m"), { tls }, {})).toMatchObject({
      tls,
      sentinelTLS: tls,
      enableTLSForSentinelMode: true,
    });
    // Without redis_tls: TLS with the system's CAs.
    expect(redisConnection(parseRedisAddress("rediss+sentinel://s1/m"), {}, {})).toMatchObject({
      tls: {},
      sentinelTLS: {},
      enableTLSForSentinelMode: true,
    });
    expect(redisConnection(parseRedisAddress("rediss://h:1"), { tls }, {})).toEqual({
      url: "rediss://h:1",
      tls,
    });
    // A plain URL never gets TLS options (the settings refuse redis_tls with one; see below).
    expect(redisConnection(parseRedisAddress("redis+sentinel://s1/m"), { tls }, {})).not.toHaveProperty(
      "tls",
    );
    expect(redisConnection(parseRedisAddress("redis://h:1"), { tls }, {})).toEqual({ url: "redis://h:1" });
  });

  it("redis_tls: only with a TLS URL, a certificate with its key, paths from the file relative to it and from the environment to the working directory", () => {
    const settings = (text: string, env: NodeJS.ProcessEnv = {}) =>
      parseDaemonSettings({ file: { text, source: "otpgw.yaml", dir: "/etc/otpgw" }, env, cwd: "/srv" });
    const plain = settings("redis_url: redis://h:6379\nredis_tls: { ca_file: ca.pem }\n");
    expect(plain.problems.map((p) => `${p.line} ${p.path}: ${p.reason}`)).toEqual([
      "2 redis_tls: applies to TLS connections only: redis_url must be rediss:// or rediss+sentinel://",
    ]);
    const halfPair = settings("redis_url: rediss://h:6380\nredis_tls:\n  cert_file: client.pem\n");
    expect(halfPair.problems.map((p) => `${p.path}: ${p.reason}`)).toEqual([
      "redis_tls.key_file: cert_file and key_file go together (the client certificate and its key)",
    ]);
    const good = settings(
      "redis_url: rediss+sentinel://s1/m\nredis_tls:\n  ca_file: ca.pem\n  cert_file: /abs/client.pem\n  key_file: client.key\n  server_name: redis.internal\n",
      { OTPGW_REDIS_TLS_KEY_FILE: "keys/client.key" },
    );
    expect(good.problems).toEqual([]);
    expect(good.daemon?.redisTls).toEqual({
      caFile: "/etc/otpgw/ca.pem",
      certFile: "/abs/client.pem",
      keyFile: "/srv/keys/client.key",
      serverName: "redis.internal",
    });
    expect(settings("redis_url: rediss://h:6380\n").daemon?.redisTls).toBeUndefined();
  });

  it("masks the password of a Sentinel URL in messages", () => {
    expect(maskUrl("redis+sentinel://otpgw:secret@s1:26379,s2:26379/m")).toBe(
      "redis+sentinel://otpgw:***@s1:26379,s2:26379/m",
    );
  });

  it.each([
    ["redis://:pw@10.0.0.5:6380/2", "redis://:***@10.0.0.5:6380/2"],
    ["redis://otpgw:p@ssSECRET@h:1/0", "redis://otpgw:***@h:1/0"],
    ["redis://:ab/cdSECRET+xyz=@127.0.0.1:1/0", "redis://:***@127.0.0.1:1/0"],
    ["rediss://onlySECRET@h", "rediss://:***@h"],
    ["redis://h:6379/0", "redis://h:6379/0"],
  ])("masks the whole password of %s, whatever it holds", (url, masked) => {
    expect(maskUrl(url)).toBe(masked);
  });

  it("refuses a redis:// URL ioredis could not read, without repeating the password", () => {
    for (const url of [
      "redis://:ab/cdSECRET+xyz=@127.0.0.1:1/0",
      "redis://:ab#SECRET@h:1",
      "redis://:a?SECRET@h",
    ]) {
      let message = "";
      try {
        parseRedisAddress(url);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/must be percent-encoded \(\/ as %2F/);
      expect(message).not.toContain("SECRET");
    }
    // Percent-encoded, the same password is taken (ioredis decodes it).
    expect(parseRedisAddress("redis://:ab%2FcdSECRET+xyz=@127.0.0.1:1/0").kind).toBe("server");
    // An unencoded "@" in the password is read as ioredis reads it (the last "@" ends it).
    expect(parseRedisAddress("redis://:p@ssSECRET@h:1/0").kind).toBe("server");
  });

  it("reads a redis+sentinel:// password holding / or @ as the password, and never repeats it in an error", () => {
    for (const password of ["q8Zk/Vb3SECRET+Wm9==", "ab@cdSECRET", "a/b@cSECRET/"]) {
      const parsed = parseRedisAddress(`redis+sentinel://:${password}@10.0.0.1:26379,10.0.0.2/otp-main/0`);
      expect(parsed).toMatchObject({ kind: "sentinel", masterName: "otp-main", db: 0, password });
      for (const tail of ["otp-main/x", "", "otp-main/0/9", "h:99999/otp-main"]) {
        let message = "";
        try {
          parseRedisAddress(`redis+sentinel://:${password}@10.0.0.1:26379/${tail}`);
        } catch (error) {
          message = (error as Error).message;
        }
        expect(message).not.toBe("");
        expect(message).not.toContain("SECRET");
      }
    }
  });

  it("refuses a bad redis_url and out-of-range wait settings in the settings, and reads the sentinels' password from the environment", () => {
    const bad = parseDaemonSettings({
      file: {
        text: "redis_url: redis+sentinel://s1:26379\nredis_wait_replicas: 9\n",
        source: "otpgw.yaml",
        dir: "/etc/otpgw",
      },
      env: {},
      cwd: "/",
    });
    expect(bad.problems.map((p) => `${p.line} ${p.path}: ${p.reason}`)).toEqual([
      expect.stringMatching(/^1 redis_url: .*master's name/),
      expect.stringMatching(/^2 redis_wait_replicas: .*5/),
    ]);
    const good = parseDaemonSettings({
      file: {
        text: "redis_url: redis+sentinel://s1:26379/m\nredis_wait_replicas: 1\n",
        source: "otpgw.yaml",
        dir: "/etc/otpgw",
      },
      env: { OTPGW_REDIS_SENTINEL_PASSWORD: "from-env", OTPGW_REDIS_WAIT_TIMEOUT_MS: "250" },
      cwd: "/",
    });
    expect(good.problems).toEqual([]);
    expect(good.daemon?.redisWait).toEqual({ replicas: 1, timeoutMs: 250 });
    expect(good.daemon?.redisSentinelPassword).toBe("from-env");
  });
});
