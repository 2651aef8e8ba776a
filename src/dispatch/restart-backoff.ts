/** First restart delay after a crash, ms. */
export const RESTART_BASE_MS = 10;
/** Longest restart delay, ms: a thread that keeps dying is still tried again this often, forever. */
export const RESTART_CAP_MS = 5_000;

/**
 * Exponential backoff for restarting a thread: 10 ms after the first crash in a row, doubling to a 5 s cap.
 * Never gives up (a bus that stops restarting hangs every later send); the count of crashes in a row resets
 * when the thread publishes a verdict.
 */
export function restartDelayMs(crashesInARow: number): number {
  const doublings = Math.max(0, Math.min(crashesInARow - 1, 30));
  return Math.min(RESTART_CAP_MS, RESTART_BASE_MS * 2 ** doublings);
}
