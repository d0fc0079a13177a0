/**
 * Wall-clock milliseconds, for the orchestrator's own bookkeeping (elapsed time, time limits,
 * universes per second). Never fed into a universe: a universe only sees its world's clock.
 */
export function wallMs(): number {
  return performance.now();
}

/**
 * Resolves on a later turn of the event loop, after pending I/O and messages. For the
 * orchestrator only (a thread that runs universes itself lets its pool's messages in between
 * them); never inside a universe.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
