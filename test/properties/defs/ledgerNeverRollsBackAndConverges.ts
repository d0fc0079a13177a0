import type { fc } from "@fast-check/vitest";
import { lifeCase } from "../lib/arbitraries.ts";
import { type Case, explain, judge, type PropertyViolation, runCase } from "../lib/harness.ts";
import type { Property } from "../lib/property.ts";

const NAME = "ledgerNeverRollsBackAndConverges";

const arbitrary: fc.Arbitrary<Case> = lifeCase({
  maxSteps: 12,
  crashChance: 0.3,
  concurrent: 2,
  faultChance: 0.35,
  weights: { "edit-schema": 4, apply: 6, refresh: 2, "force-unlock": 2 },
});

/**
 * Property 5. Over any operation stream with crashes and honest storage faults (failed calls,
 * lost acknowledgements, latency), and through the liveness phase: the
 * ledger never disappears once it exists, its state_revision never decreases, and its content
 * never changes without a higher revision (ledger-never-rolls-back; the legacy-strip step,
 * which plays an older Omnigraph, is the one exemption); an apply that reports its state
 * written really persisted every applied change (acknowledged-means-durable); and every apply
 * that reports convergence leaves a ledger that records exactly the graphs that exist, with
 * the schema each holds, compared by compiled meaning (ledger-converges-to-reality); and
 * concurrent writers (two or three actors at once, with or without the state lock) serialise
 * through the ledger's compare-and-swap, losing no acknowledged write
 * (concurrent-writes-serialize). The
 * liveness phase ends with such an apply whenever the remedy converges.
 */
export const ledgerNeverRollsBackAndConverges: Property<Case> = {
  name: NAME,
  statement:
    "the ledger never rolls back, acknowledged writes are durable, and a converged ledger matches the observable graphs",
  excludes: "nothing",
  arbitrary,
  numRuns: 150,
  async check(c, defects) {
    const run = await runCase(NAME, c, defects);
    const out: PropertyViolation[] = [
      ...judge(run, "ledger-never-rolls-back"),
      ...judge(run, "acknowledged-means-durable"),
      ...judge(run, "ledger-converges-to-reality"),
      ...judge(run, "concurrent-writes-serialize"),
    ];
    return out;
  },
  explain: (c, v) => explain(NAME, c, v),
};
