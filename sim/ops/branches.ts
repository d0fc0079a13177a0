import type { DrawView } from "./OpSpec.ts";

/** Branch names the sampler uses: a small pool, so creates and deletes meet each other. */
export const BRANCH_POOL = ["feature", "review"] as const;

/** (graph, branch) pairs whose branch exists (`present`) or not, over graphs with a root. */
export function branchPairs(
  v: DrawView,
  present: boolean,
): Array<readonly [string, (typeof BRANCH_POOL)[number]]> {
  return v.rootGraphs.flatMap((g) =>
    BRANCH_POOL.filter((b) => (v.obs.graphs[g]?.branches.includes(b) ?? false) === present).map(
      (b) => [g, b] as const,
    ),
  );
}
