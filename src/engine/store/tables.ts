import type { StepLabel } from "../../catalog/failpoints.ts";
import { EngineError } from "../errors.ts";
import { parseTableVersionName, tableVersionKey } from "../layout.ts";
import { type TableVersion, TableVersionSchema } from "./codecs.ts";
import { decodeJson, type GraphStorage, prettyJson } from "./graphStorage.ts";

export type Row = Record<string, unknown>;

/**
 * The table's "Lance head": its highest written version, which may run ahead of the
 * manifest pin while a multi-table write is between its table commits and its publish.
 * 0 when nothing was ever written at `tablePath`.
 */
export async function tableHead(storage: GraphStorage, tablePath: string): Promise<number> {
  let head = 0;
  for (const name of await storage.list(tablePath)) {
    const v = parseTableVersionName(name);
    if (v !== null && v > head) head = v;
  }
  return head;
}

/**
 * Lance's refusal of a create-mode write (`WriteMode::Create`) at a path that already holds a
 * dataset, e.g. one an interrupted earlier init or schema apply left there.
 */
export function datasetAlreadyExists(storage: GraphStorage, tablePath: string): EngineError {
  const at = storage.key(tablePath);
  return new EngineError("storage", `Dataset already exists: ${at}`, at);
}

/** Rows of one table version; version 0 is the empty table before any write. */
export async function readTableRows(
  storage: GraphStorage,
  tablePath: string,
  tableKey: string,
  version: number,
): Promise<Row[]> {
  if (version === 0) return [];
  const key = tableVersionKey(tablePath, version);
  const text = await storage.tryRead(key);
  if (text === null) {
    throw new EngineError(
      "storage",
      `table '${tableKey}' has no version ${version} at '${storage.key(tablePath)}'`,
      storage.key(key),
    );
  }
  const tv: TableVersion = decodeJson(storage.key(key), text, TableVersionSchema);
  if (tv.version !== version || tv.table_key !== tableKey) {
    throw new EngineError(
      "corrupt_object",
      `object '${storage.key(key)}' is corrupt: it holds ${tv.table_key} v${tv.version}`,
      storage.key(key),
    );
  }
  return tv.rows;
}

/** Writes version `version` of a table; a version is written once (a lost race conflicts). */
export async function writeTableVersion(
  storage: GraphStorage,
  step: StepLabel,
  tablePath: string,
  tableKey: string,
  version: number,
  rows: readonly Row[],
): Promise<void> {
  const tv: TableVersion = { table_key: tableKey, version, rows: [...rows] };
  const created = await storage.putIfAbsent(
    step,
    tableVersionKey(tablePath, version),
    prettyJson(tv),
  );
  if (!created) {
    throw new EngineError("conflict", `table version ${version} already exists for ${tableKey}`);
  }
}

/** Upstream's `ensure_expected_version`: the head must still be where the manifest pins it. */
export async function ensureHeadMatches(
  storage: GraphStorage,
  tableKey: string,
  tablePath: string,
  pinned: number,
): Promise<void> {
  const head = await tableHead(storage, tablePath);
  if (head !== pinned) {
    throw new EngineError(
      "conflict",
      `stale view of '${tableKey}': expected manifest table version ${pinned} but current is ${head} — refresh and retry`,
    );
  }
}

/**
 * Lance `restore`: appends a new head whose content is that of `target`. Returns the new
 * head version (what a roll-back then publishes).
 */
export async function restoreTable(
  storage: GraphStorage,
  tablePath: string,
  tableKey: string,
  target: number,
): Promise<number> {
  const head = await tableHead(storage, tablePath);
  const wrong = storage.proc.world.hasDefect("restore-wrong-version");
  const rows = await readTableRows(storage, tablePath, tableKey, wrong ? 1 : target);
  await writeTableVersion(
    storage,
    "engine.recovery.table_restore",
    tablePath,
    tableKey,
    head + 1,
    rows,
  );
  return head + 1;
}
