import type { FailpointName } from "../../src/catalog/failpoints.ts";
import type { DrawView } from "../ops/OpSpec.ts";
import type { ScriptedScenario } from "../scenario/schema.ts";

/** What mutations ask of the universe they change (see ./probe.ts). */
export interface Lab {
  /** The universe's state before step `at` of `s`. */
  stateAt(s: ScriptedScenario, at: number): Promise<DrawView>;
  /** The failpoints step `index` of `s` reaches, run without its crash plan. */
  reachedBy(s: ScriptedScenario, index: number): Promise<readonly FailpointName[]>;
}

export interface Parent {
  readonly id: number;
  readonly seed: number;
  readonly scenario: ScriptedScenario;
  readonly features: readonly string[];
  /**
   * How many universes so far fired each failpoint pair and reached each failpoint by each
   * operation (the `fp:` and `reach:` features, as the corpus counted them at the
   * generation's start): a crash is placed where firing and passing are both rare.
   */
  readonly counts: Readonly<Record<string, number>>;
}
