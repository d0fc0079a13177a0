import type { Step } from "../scenario/schema.ts";
import type { DesiredConfig } from "./desired.ts";
import type { Observation } from "./observe.ts";
import type { ApplyView, BootView, CommandView, Settled } from "./system.ts";

export type Outcome =
  | { readonly kind: "edited" }
  | { readonly kind: "skipped"; readonly reason: string }
  | { readonly kind: "died"; readonly cause: string }
  | { readonly kind: "apply"; readonly view: ApplyView }
  | { readonly kind: "boot"; readonly view: BootView }
  | { readonly kind: "command"; readonly view: CommandView }
  | { readonly kind: "concurrent"; readonly outcomes: readonly Outcome[] };

/** Everything the oracles may look at about one executed step. */
export interface StepRecord {
  readonly index: number;
  readonly phase: "life" | "liveness";
  readonly step: Step;
  readonly outcome: Outcome;
  readonly pre: Observation;
  readonly post: Observation;
  /** The step's events are trace.events[traceFrom, traceTo). */
  readonly traceFrom: number;
  readonly traceTo: number;
  /** What the operator wanted after this step (edits change it). */
  readonly desired: DesiredConfig;
  /** Whether the step ran under strict serve mode (boots only). */
  readonly strict: boolean;
  /**
   * For a step that had a crash point planned and then died or failed: what every graph
   * settles to (after engine recovery) before and after the step.
   */
  readonly settled?: {
    readonly pre: Readonly<Record<string, Settled>>;
    readonly post: Readonly<Record<string, Settled>>;
  };
}

export interface LivenessRecord {
  readonly ran: boolean;
  readonly rounds: number;
  readonly converged: boolean;
  /** Graphs that must be ready at the end, and those that were. */
  readonly expectedReady: readonly string[];
  readonly ready: readonly string[];
  readonly bootOk: boolean;
  readonly note: string;
}
