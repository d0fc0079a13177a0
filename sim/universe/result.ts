import type { Step } from "../scenario/schema.ts";

/** One oracle's complaint: data with a stable code; rendering is separate. */
export interface Violation {
  readonly oracle: string;
  readonly code: string;
  /** Index of the step it concerns in the executed step list, or -1 for the liveness phase. */
  readonly step: number;
  readonly expected: string;
  readonly observed: string;
}

/** A violation matching a known upstream finding: reported, not failing. */
export interface KnownHit {
  readonly finding: string;
  readonly oracle: string;
  readonly code: string;
  readonly step: number;
  /** The violation's own words, for the findings report (the fleet's records leave them out). */
  readonly expected: string;
  readonly observed: string;
}

export type Verdict = "pass" | "fail" | "crash";

/** What every universe's result holds, however it ended. */
interface ResultCore {
  readonly scenario: string;
  readonly seed: number;
  readonly defects: readonly string[];
  readonly violations: readonly Violation[];
  readonly known: readonly KnownHit[];
  readonly traceHash: string;
  /** Failpoints that fired (non-off), sorted. */
  readonly failpointsHit: readonly string[];
  /** Failpoint firings by task (`<name> <task>`), with counts, sorted (for the coverage ledger). */
  readonly firedByTask: ReadonlyArray<readonly [string, number]>;
  /** Every failpoint reached, with counts, sorted by name (for the coverage ledger). */
  readonly reached: ReadonlyArray<readonly [string, number]>;
  /** The steps that actually ran, as a scripted scenario would list them. */
  readonly steps: readonly Step[];
  readonly deaths: number;
  /** Durable writes attempted during the life phase (W, for crash-state enumeration). */
  readonly lifeWrites: number;
  /** Failpoints reached during the life phase, sorted. */
  readonly lifeReached: readonly string[];
  readonly storeCalls: number;
}

/**
 * How the universe ended: judged (it passed, or an oracle failed it), or the harness itself
 * threw (a bug in the model or the harness, not a verdict), with what it threw.
 */
type Ending =
  | { readonly verdict: "pass" | "fail"; readonly error?: undefined }
  | { readonly verdict: "crash"; readonly error: string };

/**
 * Its life's fault layer, when it had one: the weather drawn (or "scripted") and how many
 * verdicts were excused because the store had lied. The two travel together.
 */
type Weather =
  | { readonly faultPlan?: undefined; readonly excused?: undefined }
  | { readonly faultPlan: string; readonly excused: number };

/** What a universe tells the orchestrator. JSON-serialisable, no timings (those are the fleet's). */
export type UniverseResult = ResultCore & Ending & Weather;
