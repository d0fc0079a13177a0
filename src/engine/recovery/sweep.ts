import { rethrowDeath } from "../../world/process.ts";
import { EngineError } from "../errors.ts";
import { engineFailpoint } from "../failpoint.ts";
import { branchKey, SCHEMA_STATE } from "../layout.ts";
import {
  type Manifest,
  type RecoveryKind,
  type RecoverySidecar,
  SchemaStateSchema,
  type SidecarKind,
  type SidecarTablePin,
} from "../store/codecs.ts";
import { appendCommit, appendRecoveryAudit, RECOVERY_ACTOR } from "../store/commitGraph.ts";
import type { GraphStorage } from "../store/graphStorage.ts";
import { commitManifest, type ManifestChange, requireHead } from "../store/manifest.ts";
import { deleteSidecar, listSidecars, sidecarExists } from "../store/sidecars.ts";
import { restoreTable, tableHead } from "../store/tables.ts";
import { completedForSchemaApply, reconcileStaging, type StagingOutcome } from "./staging.ts";

/**
 * `full`: the open-time sweep, which may restore tables (roll back) or refuse.
 * `roll_forward_only`: the in-process heal, which never restores and leaves anything that
 * would need a roll-back for the next read-write open.
 */
export type RecoveryMode = "full" | "roll_forward_only";

export type TableClassification =
  | "no_movement"
  | "rolled_past_expected"
  | "unexpected_at_p1"
  | "unexpected_multistep"
  | "incomplete_phase_b"
  | "invariant_violation";

export type SidecarDecision = "roll_forward" | "roll_back" | "abort";

const CONFIRMATION_SCHEMA_VERSION = 2;

type Mode = "strict" | "loose" | "confirmed";

/** One commit per table (Mutation, Load) is strict; content-preserving writers are loose. */
function classificationMode(kind: SidecarKind, schemaVersion: number): Mode {
  switch (kind) {
    case "Mutation":
    case "Load":
      return "strict";
    case "BranchMerge":
      return schemaVersion >= CONFIRMATION_SCHEMA_VERSION ? "confirmed" : "loose";
    default:
      return "loose";
  }
}

export function classifyTable(
  pin: SidecarTablePin,
  lanceHead: number,
  manifestPinned: number,
  kind: SidecarKind,
  schemaVersion: number,
): TableClassification {
  if (lanceHead < manifestPinned) return "invariant_violation";
  if (lanceHead === manifestPinned) return "no_movement";
  switch (classificationMode(kind, schemaVersion)) {
    case "confirmed":
      if (pin.confirmed_version === undefined) return "incomplete_phase_b";
      return lanceHead === pin.confirmed_version && pin.expected_version === manifestPinned
        ? "rolled_past_expected"
        : "unexpected_multistep";
    case "strict":
      if (lanceHead !== manifestPinned + 1) return "unexpected_multistep";
      return pin.expected_version === manifestPinned && pin.post_commit_pin === lanceHead
        ? "rolled_past_expected"
        : "unexpected_at_p1";
    case "loose":
      if (pin.expected_version === manifestPinned) return "rolled_past_expected";
      return lanceHead === manifestPinned + 1 ? "unexpected_at_p1" : "unexpected_multistep";
  }
}

export function decide(classes: readonly TableClassification[]): SidecarDecision {
  if (classes.includes("invariant_violation")) return "abort";
  if (classes.some((c) => c !== "rolled_past_expected")) return "roll_back";
  return "roll_forward";
}

interface ClassifiedTable {
  readonly pin: SidecarTablePin;
  readonly classification: TableClassification;
  readonly manifestPinned: number;
  readonly lanceHead: number;
}

/** The schema hash to stamp on a recovery commit: whatever the state file says, if legible. */
async function currentSchemaHash(storage: GraphStorage): Promise<string | null> {
  const text = await storage.tryRead(SCHEMA_STATE);
  if (text === null) return null;
  try {
    const r = SchemaStateSchema.safeParse(JSON.parse(text));
    return r.success ? r.data.schema_ir_hash : null;
  } catch (e) {
    rethrowDeath(e);
    return null;
  }
}

async function recordAudit(
  storage: GraphStorage,
  sidecar: RecoverySidecar,
  manifestVersion: number,
  kind: RecoveryKind,
  outcomes: { table_key: string; from_version: number; to_version: number }[],
): Promise<void> {
  await engineFailpoint(storage.proc, "recovery.record_audit");
  const commitId = await appendCommit(
    storage,
    "engine.commits.append",
    manifestVersion,
    RECOVERY_ACTOR,
  );
  await appendRecoveryAudit(storage, {
    graph_commit_id: commitId,
    recovery_kind: kind,
    recovery_for_actor: sidecar.actor_id,
    operation_id: sidecar.operation_id,
    sidecar_writer_kind: sidecar.writer_kind,
    per_table_outcomes: outcomes,
    created_at: storage.proc.world.clock.nowIso(),
  });
}

async function finish(
  storage: GraphStorage,
  sidecar: RecoverySidecar,
  manifestVersion: number,
  kind: RecoveryKind,
  outcomes: { table_key: string; from_version: number; to_version: number }[],
): Promise<void> {
  await recordAudit(storage, sidecar, manifestVersion, kind, outcomes);
  await deleteSidecar(storage, "engine.recovery.sidecar_delete", sidecar.operation_id);
}

async function rollBack(
  storage: GraphStorage,
  head: Manifest,
  sidecar: RecoverySidecar,
  states: readonly ClassifiedTable[],
): Promise<void> {
  const changes: ManifestChange[] = [];
  const expected = new Map<string, number>();
  const outcomes: { table_key: string; from_version: number; to_version: number }[] = [];
  for (const s of states) {
    if (s.classification === "no_movement") continue;
    const restored = await restoreTable(
      storage,
      s.pin.table_path,
      s.pin.table_key,
      s.manifestPinned,
    );
    changes.push({ kind: "update", tableKey: s.pin.table_key, version: restored });
    expected.set(s.pin.table_key, s.manifestPinned);
    outcomes.push({
      table_key: s.pin.table_key,
      from_version: s.lanceHead,
      to_version: s.manifestPinned,
    });
  }
  const version =
    changes.length === 0
      ? head.version
      : await commitManifest(storage, changes, {
          expected,
          schemaIrHash: await currentSchemaHash(storage),
          actor: RECOVERY_ACTOR,
        });
  await finish(storage, sidecar, version, "RolledBack", outcomes);
}

async function rollForward(
  storage: GraphStorage,
  head: Manifest,
  sidecar: RecoverySidecar,
  states: readonly ClassifiedTable[],
): Promise<void> {
  const changes: ManifestChange[] = [];
  const expected = new Map<string, number>();
  const outcomes: { table_key: string; from_version: number; to_version: number }[] = [];
  for (const s of states) {
    changes.push({ kind: "update", tableKey: s.pin.table_key, version: s.lanceHead });
    expected.set(s.pin.table_key, s.pin.expected_version);
    outcomes.push({
      table_key: s.pin.table_key,
      from_version: s.pin.expected_version,
      to_version: s.lanceHead,
    });
  }
  for (const reg of sidecar.additional_registrations ?? []) {
    const entry = head.tables[reg.table_key];
    if (entry !== undefined) {
      outcomes.push({ table_key: reg.table_key, from_version: 0, to_version: entry.version });
      continue;
    }
    const v = await tableHead(storage, reg.table_path);
    changes.push({ kind: "register", tableKey: reg.table_key, path: reg.table_path });
    changes.push({ kind: "update", tableKey: reg.table_key, version: v });
    expected.set(reg.table_key, 0);
    outcomes.push({ table_key: reg.table_key, from_version: 0, to_version: v });
  }
  for (const t of sidecar.tombstones ?? []) {
    if (head.tables[t.table_key] === undefined) continue;
    changes.push({ kind: "tombstone", tableKey: t.table_key });
    expected.set(t.table_key, Math.max(0, t.tombstone_version - 1));
  }
  // Nothing left to publish means an earlier publish already carried this operation.
  const version =
    changes.length === 0
      ? head.version
      : await commitManifest(storage, changes, {
          expected,
          schemaIrHash: await currentSchemaHash(storage),
          actor: RECOVERY_ACTOR,
        });
  await finish(storage, sidecar, version, "RolledForward", outcomes);
}

/** Classifies one sidecar against main and acts on it; true when it was resolved. */
async function processSidecar(
  storage: GraphStorage,
  head: Manifest,
  sidecar: RecoverySidecar,
  mode: RecoveryMode,
  staging: StagingOutcome,
): Promise<boolean> {
  const states: ClassifiedTable[] = [];
  for (const pin of sidecar.tables) {
    const lanceHead = await tableHead(storage, pin.table_path);
    const manifestPinned = head.tables[pin.table_key]?.version ?? 0;
    states.push({
      pin,
      lanceHead,
      manifestPinned,
      classification: classifyTable(
        pin,
        lanceHead,
        manifestPinned,
        sidecar.writer_kind,
        sidecar.schema_version,
      ),
    });
  }
  const decision = decide(states.map((s) => s.classification));
  if (decision === "abort") {
    if (mode === "roll_forward_only") return false;
    throw new EngineError(
      "recovery_invariant",
      `recovery sidecar '${sidecar.operation_id}' has invariant violation; refusing to act — operator review required (sidecar at '${storage.key(`__recovery/${sidecar.operation_id}.json`)}', classifications: [${states.map((s) => s.classification).join(", ")}])`,
    );
  }
  if (decision === "roll_back") {
    const allUnmoved = states.every((s) => s.classification === "no_movement");
    const pinAdvanced = states.some((s) => s.manifestPinned > s.pin.expected_version);
    if (allUnmoved && pinAdvanced) {
      // The publish landed but the sidecar outlived it: record the roll-forward, clean up.
      await finish(
        storage,
        sidecar,
        head.version,
        "RolledForward",
        states.map((s) => ({
          table_key: s.pin.table_key,
          from_version: s.pin.expected_version,
          to_version: s.manifestPinned,
        })),
      );
      return true;
    }
    if (mode === "roll_forward_only") return false;
    await rollBack(storage, head, sidecar, states);
    return true;
  }
  if (sidecar.writer_kind === "SchemaApply" && !completedForSchemaApply(staging)) {
    // Tables moved but the new schema was never staged: publishing them would put
    // new-schema data under the old `_schema.pg`.
    if (mode === "roll_forward_only") return false;
    await rollBack(storage, head, sidecar, states);
    return true;
  }
  await rollForward(storage, head, sidecar, states);
  return true;
}

/** A sidecar whose branch no longer exists has unreachable drift: audit and drop it. */
async function discardOrphan(storage: GraphStorage, head: Manifest, sidecar: RecoverySidecar) {
  await finish(storage, sidecar, head.version, "OrphanedBranchDiscarded", []);
}

/** The open-time sweep over every engine sidecar (upstream's `recover_manifest_drift`). */
export async function recoverManifestDrift(
  storage: GraphStorage,
  staging: StagingOutcome,
): Promise<void> {
  for (const sidecar of await listSidecars(storage)) {
    const head = await requireHead(storage);
    if (sidecar.branch !== null && !(await storage.exists(branchKey(sidecar.branch)))) {
      await discardOrphan(storage, head, sidecar);
      continue;
    }
    await processSidecar(storage, head, sidecar, "full", staging);
  }
}

/**
 * The in-process, roll-forward-only heal that write entry points run first (upstream's
 * `heal_pending_sidecars_roll_forward`). Returns whether it resolved anything.
 */
export async function healPendingSidecars(storage: GraphStorage): Promise<boolean> {
  const sidecars = await listSidecars(storage);
  let healed = false;
  for (const sidecar of sidecars) {
    if (!(await sidecarExists(storage, sidecar.operation_id))) continue;
    const staging: StagingOutcome =
      sidecar.writer_kind === "SchemaApply"
        ? await reconcileStaging(storage, await requireHead(storage))
        : { kind: "noop" };
    const head = await requireHead(storage);
    if (sidecar.branch !== null && !(await storage.exists(branchKey(sidecar.branch)))) {
      await discardOrphan(storage, head, sidecar);
      healed = true;
      continue;
    }
    if (await processSidecar(storage, head, sidecar, "roll_forward_only", staging)) healed = true;
  }
  return healed;
}
