import type { JudgeInput } from "../oracles/Oracle.ts";
import type { Violation } from "../universe/result.ts";

/** The upstream commit every finding's code path is stated at (the model's reference). */
export const UPSTREAM_COMMIT = "7fd23c54";
export const UPSTREAM_REPOSITORY = "https://github.com/ModernRelay/omnigraph";

/** One function of upstream's source at UPSTREAM_COMMIT, and its part in a finding. */
export interface UpstreamFunction {
  /** From the repository root, e.g. `crates/omnigraph-cluster/src/lib.rs`. */
  readonly file: string;
  /** The bare name its `fn` declares in that file, e.g. `live_schema_matches_recorded_digest`. */
  readonly function: string;
  /** What it does that the finding turns on. */
  readonly role: string;
}

/** A later upstream change that addresses the finding, as the finding's sources record it. */
export interface LaterUpstreamChange {
  /** Abbreviated commit on upstream main. */
  readonly commit: string;
  /** Its commit date, YYYY-MM-DD. */
  readonly date: string;
  readonly change: string;
}

/**
 * A defect of upstream Omnigraph (at the reference commit) that the faithful model
 * reproduces and an oracle catches. Each is a precise signature, not a blanket waiver: it
 * must name the oracle and code, and recognise the trigger in the universe's history, so a
 * new bug with the same symptom is still reported as a failure. Everything but `matches` is
 * what `pnpm sim findings` reports to an upstream maintainer, so each field is required.
 */
export interface KnownFinding {
  readonly id: string;
  readonly title: string;
  /** What goes wrong, and what it costs a user. */
  readonly summary: string;
  /** Where upstream's behaviour comes from at UPSTREAM_COMMIT, in the order it unfolds. */
  readonly codePath: readonly [UpstreamFunction, ...UpstreamFunction[]];
  /** Sections of the behaviour specification the model follows here, e.g. `§4.8`, `appendix A.4` (may be none). */
  readonly spec: readonly string[];
  /**
   * The smallest shipped scripted scenario that reproduces it at seed 1 (a test checks it does,
   * with no failing violation beside).
   */
  readonly scenario: string;
  /** null when the sources record no later upstream fix. */
  readonly laterUpstream: LaterUpstreamChange | null;
  matches(v: Violation, input: JudgeInput): boolean;
  /**
   * Whether this finding is why the boot recorded at `at` (the run's last boot when omitted)
   * left graph `g` out (quarantined, or not opened by a refused boot). Lets one verdict about
   * several graphs be attributed to the findings that left each out (sim/findings/leftOut.ts);
   * as precise as `matches`.
   */
  leavesOut?(g: string, input: JudgeInput, at?: number): boolean;
}
