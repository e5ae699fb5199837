import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/setup/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests open real sockets and measure per-second rates; two cores
    // cannot run many of them at once without distorting those rates.
    maxWorkers: 2,
    reporters: ["default"],
  },
});
