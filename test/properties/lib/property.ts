import { fc, test } from "@fast-check/vitest";
import type { DefectName } from "../../../src/world/defects.ts";
import type { PropertyViolation } from "./harness.ts";

/**
 * A property of the model: an explicit statement, the arbitrary that generates its universes,
 * and a check that runs one generated value against the model (optionally with planted
 * defects) and returns what does not hold. The property test runs it on the fixed model; the
 * sensitivity test runs it with a planted defect and requires it to go red.
 */
export interface Property<T> {
  readonly name: string;
  /** What must hold, in one sentence (the test's title). */
  readonly statement: string;
  /** Known upstream findings or generator limits the property excludes, and why. */
  readonly excludes: string;
  readonly arbitrary: fc.Arbitrary<T>;
  /** Default number of runs (the PR profile); FC_NUM_RUNS raises it. */
  readonly numRuns: number;
  check(value: T, defects: readonly DefectName[]): Promise<readonly PropertyViolation[]>;
  /** The failure message for a counterexample: what broke and how to replay it. */
  explain(value: T, violations: readonly PropertyViolation[]): string;
}

/**
 * Runs per property: the property's default, or FC_NUM_RUNS (the nightly profile) when it is
 * larger. FC_SEED and FC_PATH replay a printed counterexample.
 */
export function runsFor(dflt: number): number {
  const env = Number.parseInt(process.env.FC_NUM_RUNS ?? "", 10);
  return Number.isSafeInteger(env) && env > dflt ? env : dflt;
}

function replayParams(): { seed?: number; path?: string } {
  const seed = Number.parseInt(process.env.FC_SEED ?? "", 10);
  return {
    ...(Number.isSafeInteger(seed) ? { seed } : {}),
    ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}),
  };
}

/** Turns a property into a counterexample-shrinking check; true when it holds. */
export function asFcProperty<T>(
  p: Property<T>,
  defects: readonly DefectName[],
): fc.IAsyncPropertyWithHooks<[T]> {
  return fc.asyncProperty(p.arbitrary, async (value) => {
    const violations = await p.check(value, defects);
    if (violations.length > 0)
      throw new Error(`${p.explain(value, violations)}\n(the property excludes: ${p.excludes})`);
  });
}

/** Registers the vitest test for a property over the fixed model. */
export function propertyTest<T>(p: Property<T>): void {
  const numRuns = runsFor(p.numRuns);
  // A generous per-test budget that scales with the runs (shrinking included).
  const timeout = Math.max(60_000, numRuns * 2_000);
  test(
    p.statement,
    async () => {
      await fc.assert(asFcProperty(p, []), { numRuns, ...replayParams() });
    },
    timeout,
  );
}

/**
 * Runs a property with planted defects under a fixed seed, stopping at the first
 * counterexample (no shrinking): the sensitivity check.
 */
export async function findCounterexample<T>(
  p: Property<T>,
  defects: readonly DefectName[],
  opts: { readonly seed: number; readonly numRuns: number },
): Promise<{ value: T; violations: readonly PropertyViolation[] } | null> {
  const out = await fc.check(
    fc.asyncProperty(p.arbitrary, async (value) => (await p.check(value, defects)).length === 0),
    { seed: opts.seed, numRuns: opts.numRuns, endOnFailure: true },
  );
  if (!out.failed || out.counterexample === null) return null;
  const [value] = out.counterexample;
  return { value, violations: await p.check(value, defects) };
}
