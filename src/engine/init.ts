import type { Process } from "../world/process.ts";
import { asEngineError, EngineError } from "./errors.ts";
import { engineFailpoint } from "./failpoint.ts";
import {
  manifestVersionKey,
  SCHEMA_FILES,
  SCHEMA_IR,
  SCHEMA_PG,
  SCHEMA_STATE,
  tablePathFor,
} from "./layout.ts";
import { tableKeyOf } from "./schema/catalog.ts";
import { type CompiledSchema, compileSchema } from "./schema/compile.ts";
import type { TableEntry } from "./store/codecs.ts";
import { appendCommit } from "./store/commitGraph.ts";
import { GraphStorage, prettyJson } from "./store/graphStorage.ts";
import { initialManifest } from "./store/manifest.ts";
import { writeContract } from "./store/schemaFiles.ts";
import { datasetAlreadyExists, writeTableVersion } from "./store/tables.ts";

function alreadyInitialized(root: string): EngineError {
  return new EngineError(
    "already_initialized",
    `graph already initialized at '${root}'; pass --force to overwrite`,
  );
}

/** Turns a schema that does not parse or compile into the engine's refusal. */
export function compileOrReject(source: string): CompiledSchema {
  const r = compileSchema(source);
  if (r.ok) return r.schema;
  throw new EngineError(
    r.error.kind === "parse" ? "schema_parse" : "schema_catalog",
    r.error.message,
  );
}

/**
 * Strict `Omnigraph::init` (spec §4.2). Refuses a root holding any schema file before
 * writing anything; claims `_schema.pg` with create-if-absent; then writes the contract,
 * the per-type tables, manifest v1 and the first commit. On an error after the claim only
 * the three schema files are removed (best effort): tables and manifest stay, so the root
 * exists but does not open — the init gap.
 */
export async function initGraph(proc: Process, root: string, source: string): Promise<void> {
  const storage = new GraphStorage(proc, root);
  for (const f of SCHEMA_FILES) {
    if (await storage.exists(f)) throw alreadyInitialized(root);
  }
  const compiled = compileOrReject(source);

  if (!(await storage.putIfAbsent("engine.init.claim_schema_pg", SCHEMA_PG, source))) {
    throw alreadyInitialized(root);
  }
  try {
    await engineFailpoint(proc, "init.after_schema_pg_written");
    await writeContract(storage, compiled.ir, {
      irRel: SCHEMA_IR,
      irStep: "engine.init.write_schema_ir",
      stateRel: SCHEMA_STATE,
      stateStep: "engine.init.write_schema_state",
    });
    await engineFailpoint(proc, "init.after_schema_contract_written");
    await initCoordinator(storage, compiled);
    await engineFailpoint(proc, "init.after_coordinator_init");
  } catch (e) {
    const err = asEngineError(e);
    await cleanupSchemaFiles(storage);
    throw err;
  }
}

/** Per-type tables first, then the manifest that pins them, then the first commit. */
async function initCoordinator(storage: GraphStorage, compiled: CompiledSchema): Promise<void> {
  const tables: Record<string, TableEntry> = {};
  const keys = [
    ...compiled.ir.nodes.map((n) => tableKeyOf("node", n.name)),
    ...compiled.ir.edges.map((e) => tableKeyOf("edge", e.name)),
  ].sort();
  for (const key of keys) {
    const path = tablePathFor(key);
    try {
      await writeTableVersion(storage, "engine.init.create_table", path, key, 1, []);
    } catch (e) {
      // Upstream creates each dataset with Lance's create mode, which refuses a dataset
      // left at this path (by an earlier init that failed after creating it, say).
      if (e instanceof EngineError && e.code === "conflict")
        throw datasetAlreadyExists(storage, path);
      throw e;
    }
    tables[key] = { path, version: 1 };
  }
  const manifest = initialManifest(tables, compiled.irHash, storage.proc.world.clock.nowIso());
  const created = await storage.putIfAbsent(
    "engine.init.create_manifest",
    manifestVersionKey(1),
    prettyJson(manifest),
  );
  if (!created) {
    throw new EngineError("conflict", `a manifest already exists at '${storage.root}'`);
  }
  await appendCommit(storage, "engine.init.append_commit", 1, null);
}

async function cleanupSchemaFiles(storage: GraphStorage): Promise<void> {
  for (const f of SCHEMA_FILES) {
    try {
      await storage.delete("engine.init.cleanup_schema_files", f);
    } catch (e) {
      // Best effort, as upstream: a failed delete is only logged. Death still unwinds.
      asEngineError(e);
    }
  }
}
