import { enforcePolicy, ensureWritable, type GraphContext } from "../context.ts";
import { asEngineError, EngineError } from "../errors.ts";
import { healPendingSidecars } from "../recovery/sweep.ts";
import { ensureSchemaApplyIdle } from "../schemaApply/lock.ts";
import type { SidecarTablePin } from "../store/codecs.ts";
import { type ManifestChange, requireHead } from "../store/manifest.ts";
import { publish } from "../store/publish.ts";
import { validateSchemaContract } from "../store/schemaFiles.ts";
import { deleteSidecar, newSidecar, writeSidecar } from "../store/sidecars.ts";
import { ensureHeadMatches, type Row, readTableRows, writeTableVersion } from "../store/tables.ts";

/** Reads a table's rows at main's pin, for a mutation that is about to replace them. */
export type TableReader = (tableKey: string) => Promise<Row[]>;

/**
 * A staged multi-table write (upstream's mutation finalize): Mutation sidecar, one table
 * commit per touched table, then the publish with per-table CAS, then sidecar cleanup.
 * `compute` sees main's rows and returns the full new contents of each table it changes.
 */
export async function mutateTables(
  ctx: GraphContext,
  actor: string | null | undefined,
  compute: (read: TableReader) => Promise<Map<string, Row[]>>,
): Promise<number> {
  ensureWritable(ctx, "write");
  enforcePolicy(ctx, "change", actor);
  const storage = ctx.storage;
  await validateSchemaContract(storage);
  await ensureSchemaApplyIdle(storage, "write");
  await healPendingSidecars(storage);

  const head = await requireHead(storage);
  const entryOf = (key: string) => {
    const e = head.tables[key];
    if (e === undefined) throw new EngineError("conflict", `no manifest entry for ${key}`);
    return e;
  };
  const next = await compute(async (key) => {
    const e = entryOf(key);
    return readTableRows(storage, e.path, key, e.version);
  });
  if (next.size === 0) return head.version;

  const keys = [...next.keys()].sort();
  const pins: SidecarTablePin[] = [];
  for (const key of keys) {
    const e = entryOf(key);
    await ensureHeadMatches(storage, key, e.path, e.version);
    pins.push({
      table_key: key,
      table_path: e.path,
      expected_version: e.version,
      post_commit_pin: e.version + 1,
    });
  }
  const sidecar = newSidecar(storage, "Mutation", actor ?? null, pins);
  await writeSidecar(storage, "engine.insert.sidecar_write", sidecar);
  const changes: ManifestChange[] = [];
  const expected = new Map<string, number>();
  for (const pin of pins) {
    const rows = next.get(pin.table_key) ?? [];
    await writeTableVersion(
      storage,
      "engine.insert.table_write",
      pin.table_path,
      pin.table_key,
      pin.post_commit_pin,
      rows,
    );
    changes.push({ kind: "update", tableKey: pin.table_key, version: pin.post_commit_pin });
    expected.set(pin.table_key, pin.expected_version);
  }
  const version = await publish(storage, changes, {
    expected,
    schemaIrHash: ctx.live.compiled.irHash,
    actor: actor ?? null,
  });
  try {
    await deleteSidecar(storage, "engine.insert.sidecar_delete", sidecar.operation_id);
  } catch (e) {
    // The write is published; the next sweep retires a leftover sidecar.
    asEngineError(e);
  }
  return version;
}
