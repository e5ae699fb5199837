// Preloaded into a CLI run or a daemon (NODE_OPTIONS=--import) to play a host whose clock is OTPGW_TEST_CLOCK_SKEW_MS
// off: Date.now, and performance.timeOrigin (the host's wall time when the process started, what its monotonic clock
// counts from), both read that clock.
import { performance } from "node:perf_hooks";

const skewMs = Number(process.env.OTPGW_TEST_CLOCK_SKEW_MS ?? 0);
const realNow = Date.now;
Date.now = () => realNow() + skewMs;
const origin = performance.timeOrigin;
Object.defineProperty(performance, "timeOrigin", { value: origin + skewMs, configurable: true });
