import { ALL_FAILPOINTS, type FailpointName } from "../../src/catalog/failpoints.ts";
import type { OpName } from "../scenario/schema.ts";

/**
 * Which failpoints an operation can reach, by name prefix. Crash placement is op-aware:
 * a crash is only ever planned into a step whose operation can reach it, so draws are not
 * wasted on failpoints the step will never pass.
 */
const PREFIXES: Partial<Record<OpName, readonly string[]>> = {
  apply: [
    "cluster_apply.",
    "cluster.",
    "engine.",
    "init.",
    "schema_apply.",
    "graph_publish.",
    "recovery.",
    "branch_create.",
  ],
  refresh: [
    "cluster.lock.",
    "cluster.state.",
    "cluster.sidecar.delete_completed",
    "cluster.approval.consume",
  ],
  import: [
    "cluster.lock.",
    "cluster.state.",
    "cluster.sidecar.delete_completed",
    "cluster.approval.consume",
  ],
  approve: ["cluster.lock.", "cluster.approval.write"],
  plan: ["cluster.lock."],
  "force-unlock": ["cluster.lock.force_unlock"],
  boot: ["engine.recovery.", "engine.manifest.", "engine.commits.", "recovery.", "graph_publish."],
  "open-rw": [
    "engine.recovery.",
    "engine.manifest.",
    "engine.commits.",
    "recovery.",
    "graph_publish.",
  ],
  insert: [
    "engine.insert.",
    "engine.manifest.",
    "engine.commits.",
    "graph_publish.",
    "engine.recovery.",
    "recovery.",
  ],
  "branch-create": ["engine.branch.create", "branch_create.", "engine.recovery.", "recovery."],
  "branch-delete": ["engine.branch.delete", "engine.recovery.", "recovery."],
  concurrently: [
    "cluster.state.",
    "cluster.lock.",
    "cluster.sidecar.",
    "cluster_apply.",
    "engine.manifest.",
    "engine.branch.",
  ],
};

const REACHABLE: Readonly<Partial<Record<OpName, readonly FailpointName[]>>> = Object.freeze(
  Object.fromEntries(
    Object.entries(PREFIXES).map(([op, prefixes]) => [
      op,
      Object.freeze(ALL_FAILPOINTS.filter((f) => prefixes.some((p) => f.startsWith(p)))),
    ]),
  ),
);

export function reachableFailpoints(op: OpName): readonly FailpointName[] {
  return REACHABLE[op] ?? [];
}

/** Operations that run recovery of some kind: where a second fault makes a double fault. */
export const RECOVERING_OPS: ReadonlySet<OpName> = new Set<OpName>([
  "apply",
  "refresh",
  "import",
  "boot",
  "open-rw",
]);
