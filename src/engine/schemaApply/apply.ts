import { enforcePolicy, ensureWritable, type GraphContext } from "../context.ts";
import { asEngineError, EngineError } from "../errors.ts";
import { engineFailpoint } from "../failpoint.ts";
import {
  parseTableVersionName,
  SCHEMA_IR,
  SCHEMA_IR_STAGING,
  SCHEMA_PG,
  SCHEMA_PG_STAGING,
  SCHEMA_STATE,
  SCHEMA_STATE_STAGING,
  tablePathFor,
  tableVersionKey,
} from "../layout.ts";
import { healPendingSidecars } from "../recovery/sweep.ts";
import { type EdgeType, type NodeType, tableKeyOf } from "../schema/catalog.ts";
import type { CompiledSchema } from "../schema/compile.ts";
import type { MigrationStep } from "../schema/plan.ts";
import type { Manifest, SidecarTablePin } from "../store/codecs.ts";
import type { GraphStorage } from "../store/graphStorage.ts";
import { type ManifestChange, requireHead } from "../store/manifest.ts";
import { publish } from "../store/publish.ts";
import { STAGING_CONTRACT, writeContract } from "../store/schemaFiles.ts";
import { deleteSidecar, newSidecar, writeSidecar } from "../store/sidecars.ts";
import {
  datasetAlreadyExists,
  ensureHeadMatches,
  type Row,
  readTableRows,
  tableHead,
  writeTableVersion,
} from "../store/tables.ts";
import { projectRow } from "../write/rows.ts";
import { acquireSchemaApplyLock, releaseSchemaApplyLock } from "./lock.ts";
import { planForApply, type SchemaApplyOptions } from "./preview.ts";

export type SchemaApplyResult =
  | {
      readonly supported: true;
      readonly applied: true;
      /** Main's version after the apply's publish (the pre-apply version + 1). */
      readonly manifestVersion: number;
      readonly steps: readonly MigrationStep[];
    }
  | {
      readonly supported: true;
      readonly applied: false;
      /** Main's version, untouched: the desired schema compiles to the accepted one. */
      readonly manifestVersion: number;
      readonly steps: readonly [];
    };

export interface ApplyOptions extends SchemaApplyOptions {
  readonly actor?: string | null;
}

/**
 * `apply_schema_as` (spec §4.6): policy, roll-forward heal, lock, re-plan, then — under the
 * lock — sidecar, Phase B table work, lease check, staging, manifest publish, promotion,
 * sidecar cleanup. The lock is released on every outcome after it was taken, except death.
 */
export async function applySchema(
  ctx: GraphContext,
  source: string,
  opts: ApplyOptions,
): Promise<SchemaApplyResult> {
  ensureWritable(ctx, "schema apply");
  enforcePolicy(ctx, "schema_apply", opts.actor);
  await healPendingSidecars(ctx.storage);
  await acquireSchemaApplyLock(ctx.storage);
  let result: SchemaApplyResult;
  try {
    result = await applyWithLock(ctx, source, opts);
  } catch (e) {
    const err = asEngineError(e);
    try {
      await releaseSchemaApplyLock(ctx.storage);
    } catch (releaseError) {
      asEngineError(releaseError);
    }
    throw err;
  }
  await releaseSchemaApplyLock(ctx.storage);
  return result;
}

interface TableWork {
  readonly added: Set<string>;
  /** target table key → source table key */
  readonly renamed: Map<string, string>;
  readonly rewritten: Set<string>;
  readonly dropped: Set<string>;
  /** table key → (new property name → old name) */
  readonly propRenames: Map<string, Map<string, string>>;
  readonly hardDrops: string[];
}

/** Interfaces own no table: their steps are catalog-only (upstream would not reach them). */
function tableWorkOf(steps: readonly MigrationStep[]): TableWork {
  const w: TableWork = {
    added: new Set(),
    renamed: new Map(),
    rewritten: new Set(),
    dropped: new Set(),
    propRenames: new Map(),
    hardDrops: [],
  };
  for (const s of steps) {
    if ("type_kind" in s && s.type_kind === "interface") continue;
    switch (s.kind) {
      case "add_type":
        w.added.add(tableKeyOf(s.type_kind as "node" | "edge", s.name));
        break;
      case "rename_type":
        w.renamed.set(
          tableKeyOf(s.type_kind as "node" | "edge", s.to),
          tableKeyOf(s.type_kind as "node" | "edge", s.from),
        );
        break;
      case "add_property":
        w.rewritten.add(tableKeyOf(s.type_kind as "node" | "edge", s.type_name));
        break;
      case "rename_property": {
        const key = tableKeyOf(s.type_kind as "node" | "edge", s.type_name);
        w.rewritten.add(key);
        const m = w.propRenames.get(key) ?? new Map<string, string>();
        m.set(s.to, s.from);
        w.propRenames.set(key, m);
        break;
      }
      case "drop_property": {
        const key = tableKeyOf(s.type_kind as "node" | "edge", s.type_name);
        w.rewritten.add(key);
        if (s.mode === "hard") w.hardDrops.push(key);
        break;
      }
      case "drop_type": {
        const key = tableKeyOf(s.type_kind as "node" | "edge", s.name);
        w.dropped.add(key);
        if (s.mode === "hard") w.hardDrops.push(key);
        break;
      }
      default:
        break;
    }
  }
  return w;
}

function typeOfKey(desired: CompiledSchema, key: string): NodeType | EdgeType {
  const [kind, name] = key.split(":") as [string, string];
  const t =
    kind === "node" ? desired.catalog.nodeTypes.get(name) : desired.catalog.edgeTypes.get(name);
  if (t === undefined) throw new EngineError("conflict", `no desired type for table '${key}'`);
  return t;
}

/** Rewrites rows into the desired type: renamed columns carried over, new ones null. */
function rewriteRows(
  rows: readonly Row[],
  target: NodeType | EdgeType,
  renames?: Map<string, string>,
): Row[] {
  return rows.map((row) => {
    const renamed: Row = { ...row };
    for (const [to, from] of renames ?? []) renamed[to] = row[from] ?? null;
    return projectRow(target, renamed);
  });
}

function entryOf(head: Manifest, key: string) {
  const e = head.tables[key];
  if (e === undefined) {
    throw new EngineError("conflict", `missing source table '${key}' for schema apply`);
  }
  return e;
}

async function applyWithLock(
  ctx: GraphContext,
  source: string,
  opts: ApplyOptions,
): Promise<SchemaApplyResult> {
  const storage = ctx.storage;
  const { plan, catalog: desired } = await planForApply(storage, source, opts);
  if (plan.steps.length === 0) {
    return {
      supported: true,
      applied: false,
      manifestVersion: (await requireHead(storage)).version,
      steps: [],
    };
  }

  const base = await requireHead(storage);
  const work = tableWorkOf(plan.steps);
  const pins: SidecarTablePin[] = [...work.rewritten]
    .filter((k) => base.tables[k] !== undefined)
    .map((k) => {
      const e = entryOf(base, k);
      return {
        table_key: k,
        table_path: e.path,
        expected_version: e.version,
        post_commit_pin: e.version + 1,
      };
    });
  const registrations = [...work.added, ...work.renamed.keys()].map((k) => ({
    table_key: k,
    table_path: tablePathFor(k),
  }));
  const tombstones = [...work.renamed.values(), ...work.dropped].map((k) => ({
    table_key: k,
    tombstone_version: entryOf(base, k).version + 1,
  }));

  let sidecarId: string | null = null;
  if (pins.length > 0 || registrations.length > 0 || tombstones.length > 0) {
    const sidecar = {
      ...newSidecar(storage, "SchemaApply", null, pins),
      additional_registrations: registrations,
      tombstones,
    };
    await writeSidecar(storage, "engine.schema_apply.sidecar_write", sidecar);
    sidecarId = sidecar.operation_id;
  }

  const changes = await phaseB(storage, base, work, desired);

  const current = await requireHead(storage);
  if (current.version !== base.version) {
    throw new EngineError(
      "lease_lost",
      `schema apply lost its write lease: main advanced from v${base.version} to v${current.version} while schema apply was in progress`,
    );
  }

  await engineFailpoint(ctx.proc, "schema_apply.before_staging_write");
  await storage.put("engine.schema_apply.staging_write_pg", SCHEMA_PG_STAGING, source);
  await writeContract(storage, desired.ir, STAGING_CONTRACT);
  await engineFailpoint(ctx.proc, "schema_apply.after_staging_write");

  // Upstream publishes system-attributed: the actor only feeds the policy check.
  const manifestVersion = await publish(storage, changes, {
    schemaIrHash: desired.irHash,
    actor: null,
  });
  await engineFailpoint(ctx.proc, "schema_apply.after_manifest_commit");

  await storage.rename("engine.schema_apply.promote_staging", SCHEMA_PG_STAGING, SCHEMA_PG);
  await storage.rename("engine.schema_apply.promote_staging", SCHEMA_IR_STAGING, SCHEMA_IR);
  await storage.rename("engine.schema_apply.promote_staging", SCHEMA_STATE_STAGING, SCHEMA_STATE);
  ctx.live = { source, compiled: desired };

  if (sidecarId !== null) {
    try {
      await deleteSidecar(storage, "engine.schema_apply.sidecar_delete", sidecarId);
    } catch (e) {
      // Best effort: the apply already succeeded; the next open's sweep retires the sidecar.
      asEngineError(e);
    }
  }
  await cleanupHardDrops(storage, work.hardDrops);

  return { supported: true, applied: true, manifestVersion, steps: plan.steps };
}

/**
 * The first version of a dataset Phase B creates. Upstream creates it with Lance's create mode
 * (`TableStore::create_empty_dataset` / `write_dataset`, `WriteMode::Create`), which refuses a
 * dataset that already exists, e.g. the one a rolled-back earlier attempt left at the same
 * deterministic path.
 */
async function createdHead(storage: GraphStorage, path: string): Promise<number> {
  if ((await tableHead(storage, path)) > 0) throw datasetAlreadyExists(storage, path);
  return 1;
}

/**
 * Phase B: table heads move (new datasets, renamed copies, rewrites) while the manifest
 * stays put. Returns the manifest changes the publish will carry.
 */
async function phaseB(
  storage: GraphStorage,
  base: Manifest,
  work: TableWork,
  desired: CompiledSchema,
): Promise<ManifestChange[]> {
  const registrations: ManifestChange[] = [];
  const updates: ManifestChange[] = [];
  const tombs: ManifestChange[] = [];

  for (const key of [...work.added].sort()) {
    const path = tablePathFor(key);
    const version = await createdHead(storage, path);
    await writeTableVersion(storage, "engine.schema_apply.table_create", path, key, version, []);
    registrations.push({ kind: "register", tableKey: key, path });
    updates.push({ kind: "update", tableKey: key, version });
  }

  for (const [target, sourceKey] of [...work.renamed].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const src = entryOf(base, sourceKey);
    await ensureHeadMatches(storage, sourceKey, src.path, src.version);
    const rows = await readTableRows(storage, src.path, sourceKey, src.version);
    const out = rewriteRows(rows, typeOfKey(desired, target), work.propRenames.get(target));
    const path = tablePathFor(target);
    const version = await createdHead(storage, path);
    await writeTableVersion(
      storage,
      "engine.schema_apply.table_create",
      path,
      target,
      version,
      out,
    );
    registrations.push({ kind: "register", tableKey: target, path });
    updates.push({ kind: "update", tableKey: target, version });
    tombs.push({ kind: "tombstone", tableKey: sourceKey });
  }

  for (const key of [...work.rewritten].sort()) {
    if (work.added.has(key) || work.renamed.has(key)) continue;
    const e = entryOf(base, key);
    await ensureHeadMatches(storage, key, e.path, e.version);
    const rows = await readTableRows(storage, e.path, key, e.version);
    const out = rewriteRows(rows, typeOfKey(desired, key), work.propRenames.get(key));
    await writeTableVersion(
      storage,
      "engine.schema_apply.table_write",
      e.path,
      key,
      e.version + 1,
      out,
    );
    updates.push({ kind: "update", tableKey: key, version: e.version + 1 });
  }

  for (const key of [...work.dropped].sort()) tombs.push({ kind: "tombstone", tableKey: key });
  return [...registrations, ...updates, ...tombs];
}

/**
 * Hard drops reclaim every table version older than the head, so time travel back to the
 * dropped data is gone. Best effort: the apply is already durable.
 */
async function cleanupHardDrops(storage: GraphStorage, keys: readonly string[]): Promise<void> {
  for (const key of keys) {
    try {
      const path = tablePathFor(key);
      const head = await tableHead(storage, path);
      for (const name of await storage.list(path)) {
        const v = parseTableVersionName(name);
        if (v !== null && v < head) {
          await storage.delete(
            "engine.schema_apply.cleanup_old_versions",
            tableVersionKey(path, v),
          );
        }
      }
    } catch (e) {
      asEngineError(e);
    }
  }
}
