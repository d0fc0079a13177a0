import { type FaultKind, HONEST_FAULTS, HOSTILE_FAULTS } from "../../src/world/faultKinds.ts";
import type { Rng } from "../../src/world/rng.ts";

/**
 * Storage weather for one universe, drawn swarm-style from its seed: a random subset of fault
 * kinds, each with its own rate (Groce et al.'s swarm testing: a universe that never sees a
 * fault kind explores the others more deeply).
 *
 * Honest faults are what a correct system must tolerate: calls that fail cleanly, calls whose
 * effect lands but whose acknowledgement is lost, and latency. Hostile faults make the store
 * lie (lost, misdirected or corrupted data, stale reads and listings); with them on, the judge
 * asks only that the damage be detected or harmless.
 */
export type { FaultKind } from "../../src/world/faultKinds.ts";
export { HONEST_FAULTS, HOSTILE_FAULTS } from "../../src/world/faultKinds.ts";

export interface FaultPlan {
  /** Rate per eligible call, by kind; absent kinds never fire. */
  readonly rates: Readonly<Partial<Record<FaultKind, number>>>;
  /** Bound on staleness, in landed writes. */
  readonly maxLag: number;
  /** Bound on latency, in simulated milliseconds. */
  readonly maxLatencyMs: number;
}

export interface FaultPlanRules {
  readonly honest: boolean;
  readonly hostile: boolean;
  /** Upper bound of a drawn rate. */
  readonly maxRate: number;
}

export function drawFaultPlan(rng: Rng, rules: FaultPlanRules): FaultPlan {
  const kinds: FaultKind[] = [
    ...(rules.honest ? HONEST_FAULTS : []),
    ...(rules.hostile ? HOSTILE_FAULTS : []),
  ];
  const rates: Partial<Record<FaultKind, number>> = {};
  for (const k of kinds) {
    // Each kind is in the swarm with probability 1/2, at a rate up to maxRate.
    if (rng.chance(0.5)) rates[k] = Math.round(rng.next() * rules.maxRate * 1000) / 1000 || 0.001;
  }
  return { rates, maxLag: rng.range(1, 4), maxLatencyMs: rng.range(1, 50) };
}

export function describePlan(p: FaultPlan): string {
  const parts = Object.entries(p.rates)
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([k, r]) => `${k}=${r}`);
  return parts.length === 0
    ? "no faults"
    : `${parts.join(" ")} maxLag=${p.maxLag} maxLatencyMs=${p.maxLatencyMs}`;
}
