import { addGraphOp } from "./addGraph.ts";
import { applyOp } from "./apply.ts";
import { approveOp } from "./approve.ts";
import { bootOp } from "./boot.ts";
import { branchCreateOp } from "./branchCreate.ts";
import { branchDeleteOp } from "./branchDelete.ts";
import { concurrentlyOp } from "./concurrently.ts";
import { editClusterOp } from "./editCluster.ts";
import { editPolicyOp } from "./editPolicy.ts";
import { editProviderOp } from "./editProvider.ts";
import { editQueryOp } from "./editQuery.ts";
import { editSchemaOp } from "./editSchema.ts";
import { forceUnlockOp } from "./forceUnlock.ts";
import { importOp } from "./import.ts";
import { insertOp } from "./insert.ts";
import { legacyStripOp } from "./legacyStrip.ts";
import type { AnyOp } from "./OpSpec.ts";
import { openRwOp } from "./openRw.ts";
import { planOp } from "./plan.ts";
import { refreshOp } from "./refresh.ts";
import { removeGraphOp } from "./removeGraph.ts";
import { statusOp } from "./status.ts";

/**
 * Every operation of the step vocabulary, one row each. The scenario schema is assembled
 * from these rows (so a step whose operation has no row does not parse), and the sampler,
 * the universe, crash placement and the explorer dispatch through them. The order is the
 * scenario schema's; the sampler sorts by name on its own.
 */
export const OPS = {
  "edit-schema": editSchemaOp,
  "edit-query": editQueryOp,
  "edit-policy": editPolicyOp,
  "edit-provider": editProviderOp,
  "edit-cluster": editClusterOp,
  "add-graph": addGraphOp,
  "remove-graph": removeGraphOp,
  apply: applyOp,
  plan: planOp,
  status: statusOp,
  refresh: refreshOp,
  import: importOp,
  approve: approveOp,
  "force-unlock": forceUnlockOp,
  boot: bootOp,
  "branch-create": branchCreateOp,
  "branch-delete": branchDeleteOp,
  insert: insertOp,
  "open-rw": openRwOp,
  "legacy-strip": legacyStripOp,
  concurrently: concurrentlyOp,
} as const satisfies Readonly<Record<string, AnyOp>>;

export type OpTable = typeof OPS;
export type OpName = keyof OpTable;

/** Each row is filed under its own operation's name (a misfiled row is a compile error). */
type Misfiled = { [K in OpName]: OpTable[K]["op"] extends K ? never : K }[OpName];
const _eachRowUnderItsName: [Misfiled] extends [never] ? true : Misfiled = true;
void _eachRowUnderItsName;

/** The operations, in table order. */
export const OP_NAMES = Object.keys(OPS) as OpName[];

/** One operation's row, typed loosely: for dispatch over a step whose kind is only known at run time. */
export function opSpec(op: OpName): AnyOp {
  return OPS[op] as AnyOp;
}

/** The working-tree edits, in table order. */
export const EDIT_OPS = OP_NAMES.filter((o) => OPS[o].kind === "edit");
