import { describe, expect, it } from "vitest";
import { targetPair } from "../../sim/guided/crashes.ts";
import type { Lab, Parent } from "../../sim/guided/mutate.ts";
import { ScriptedScenarioSchema } from "../../sim/scenario/schema.ts";
import type { FailpointName } from "../../src/catalog/failpoints.ts";
import { Rng } from "../../src/world/rng.ts";

const scenario = ScriptedScenarioSchema.parse({
  kind: "scripted",
  name: "target",
  description: "an add-graph, an apply, a boot, an apply",
  steps: [
    { op: "add-graph", graph: "people" },
    { op: "apply" },
    { op: "boot" },
    { op: "apply", crash: { kind: "kill-at-write", k: 2 } },
  ],
});

const CREATE = "cluster_apply.after_graph_create" as FailpointName;
const LOCK = "cluster.lock.acquire.before" as FailpointName;

/** A lab whose first apply passes the create path and whose second does not. */
const lab: Lab = {
  stateAt: () => Promise.reject(new Error("not used")),
  reachedBy: async (_s, i) => (i === 1 ? [LOCK, CREATE] : i === 3 ? [LOCK] : []),
};

function parent(counts: Record<string, number>): Parent {
  return {
    id: 1,
    seed: 1,
    scenario,
    features: [`reach:apply:${LOCK}`, `reach:apply:${CREATE}`, `reach:boot:${LOCK}`],
    counts,
  };
}

describe("guided target-pair mutations", () => {
  it("aim at a pair no universe fired, on a step seen to pass its point", async () => {
    const counts = {
      [`fp:${LOCK}:crash`]: 9,
      [`fp:${LOCK}:error`]: 4,
      [`fp:${CREATE}:crash`]: 1,
      [`reach:apply:${LOCK}`]: 50,
      [`reach:apply:${CREATE}`]: 2,
    };
    for (let i = 0; i < 20; i++) {
      const t = await targetPair(Rng.root(i), scenario, parent(counts), lab);
      // The only pair never fired: the create path's, in error mode; only step 1 passes it.
      expect(t?.at).toBe(1);
      expect(t?.step).toEqual({
        op: "apply",
        crash: { kind: "failpoint", name: CREATE, mode: "error", skip: 0 },
      });
    }
  });

  it("replace the crash a step had, and give up when every pair it reaches has fired", async () => {
    const lockOnly: Lab = { ...lab, reachedBy: async () => [LOCK] };
    const createFired = { [`fp:${CREATE}:crash`]: 1, [`fp:${CREATE}:error`]: 1 };
    const applies = { ...parent(createFired), features: [`reach:apply:${LOCK}`] };
    const t = await targetPair(Rng.root(3), scenario, applies, lockOnly);
    // The latest apply first: it loses its kill for the lock's pair.
    expect(t?.at).toBe(3);
    expect(t?.step.crash).toMatchObject({ kind: "failpoint", name: LOCK });
    const fired = {
      [`fp:${LOCK}:crash`]: 1,
      [`fp:${LOCK}:error`]: 1,
      [`fp:${CREATE}:crash`]: 1,
      [`fp:${CREATE}:error`]: 1,
    };
    expect(await targetPair(Rng.root(3), scenario, parent(fired), lab)).toBeNull();
  });
});
