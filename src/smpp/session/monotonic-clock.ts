import type { Clock } from "./request-window.js";

/**
 * Milliseconds from an arbitrary origin that only go forward, at the pace of real time (performance.now): the clock
 * for durations — rates, timeouts, deadlines, keep-alive and backoff. The wall clock (Date.now) steps when NTP corrects
 * it, a VM resumes or an operator sets it: measured on it, a step back of minutes stalls what waits for time to pass,
 * and a step forward expires every deadline at once. Never a timestamp: what is shown, stored in Redis or compared
 * with times from elsewhere stays on the wall clock.
 */
export const monotonicNow: Clock = () => performance.now();

/**
 * Milliseconds since the epoch that only go forward: the monotonic clock set on the epoch's scale when the process
 * started (performance.timeOrigin). For times handed between components as absolute numbers (a carrier pool's
 * tickets, firstBoundAt; RedisClock's local clock): it reads like Date.now, but a step of the wall clock does not
 * move it. Still not a timestamp to show or store: it drifts from the wall clock as NTP corrects the latter.
 */
export const monotonicEpochNow: Clock = () => performance.timeOrigin + performance.now();
