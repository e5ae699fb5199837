// Preloaded into a CLI run (NODE_OPTIONS=--import) to play a host whose clock is OTPGW_TEST_CLOCK_SKEW_MS off.
const skewMs = Number(process.env.OTPGW_TEST_CLOCK_SKEW_MS ?? 0);
const realNow = Date.now;
Date.now = () => realNow() + skewMs;
