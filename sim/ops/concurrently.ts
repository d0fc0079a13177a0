import { compositeOp, type DrawView } from "./OpSpec.ts";

type Actor =
  | { readonly op: "apply" }
  | { readonly op: "boot" }
  | { readonly op: "refresh" }
  | { readonly op: "branch-create"; readonly graph: string; readonly branch: string };

/** Graphs an agent can open a review branch on. */
const reviewable = (v: DrawView) =>
  v.rootGraphs.filter((g) => !v.obs.graphs[g]?.branches.includes("review"));

/**
 * Two actors at once, interleaved at their store calls by a seeded scheduler: the races the
 * upstream design has to survive. Two applies (meaningful without the lock), apply against a
 * server boot, refresh against apply, and apply against an agent creating a review branch.
 */
export const concurrentlyOp = compositeOp({
  op: "concurrently",
  kind: "composite",
  traits: {
    locks: false,
    writesLedger: false,
    movesGraph: false,
    recovers: false,
    raceable: false,
    concurrent: false,
  },
  failpoints: [
    "cluster.state.",
    "cluster.lock.",
    "cluster.sidecar.",
    "cluster_apply.",
    "engine.manifest.",
    "engine.branch.",
  ],
  draw(rng, v) {
    const pairs: Array<readonly [Actor, Actor]> = [
      [{ op: "apply" }, { op: "apply" }],
      [{ op: "apply" }, { op: "boot" }],
      [{ op: "refresh" }, { op: "apply" }],
    ];
    const roots = reviewable(v);
    if (roots.length > 0)
      pairs.push([
        { op: "apply" },
        { op: "branch-create", graph: rng.pick(roots), branch: "review" },
      ]);
    const [a, b] = rng.pick(pairs);
    return { op: "concurrently", actors: [a, b] };
  },
  examples(v) {
    const pairs: Array<readonly [Actor, Actor]> = [
      [{ op: "apply" }, { op: "apply" }],
      [{ op: "apply" }, { op: "boot" }],
      [{ op: "refresh" }, { op: "apply" }],
    ];
    const graph = reviewable(v)[0];
    if (graph !== undefined)
      pairs.push([{ op: "apply" }, { op: "branch-create", graph, branch: "review" }]);
    return pairs.map(([a, b]) => ({ op: "concurrently" as const, actors: [a, b] }));
  },
});
