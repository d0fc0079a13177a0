import { ALL_FAILPOINTS, type FailpointName } from "../../src/catalog/failpoints.ts";
import { OP_NAMES, OPS, type OpName } from "../ops/index.ts";

/**
 * Which failpoints each operation can reach, from the name prefixes its row declares. Crash
 * placement is op-aware: a crash is only ever planned into a step whose operation can reach
 * it, so draws are not wasted on failpoints the step will never pass.
 */
const REACHABLE: Readonly<Record<OpName, readonly FailpointName[]>> = Object.freeze(
  Object.fromEntries(
    OP_NAMES.map((op) => {
      const prefixes: readonly string[] = OPS[op].failpoints;
      return [
        op,
        Object.freeze(ALL_FAILPOINTS.filter((f) => prefixes.some((p) => f.startsWith(p)))),
      ];
    }),
  ) as Record<OpName, readonly FailpointName[]>,
);

export function reachableFailpoints(op: OpName): readonly FailpointName[] {
  return REACHABLE[op];
}
