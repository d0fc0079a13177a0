/**
 * Wall-clock milliseconds, for the orchestrator's own bookkeeping (elapsed time, time limits,
 * universes per second). Never fed into a universe: a universe only sees its world's clock.
 */
export function wallMs(): number {
  return performance.now();
}
