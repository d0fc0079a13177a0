import { EngineError } from "../errors.ts";
import { MANIFEST_VERSIONS_DIR, manifestVersionKey, parseManifestVersionName } from "../layout.ts";
import { type Manifest, ManifestSchema, type TableEntry } from "./codecs.ts";
import { decodeJson, type GraphStorage, prettyJson } from "./graphStorage.ts";

/** One manifest delta; a commit applies a list of them to the head it lands on. */
export type ManifestChange =
  | { readonly kind: "register"; readonly tableKey: string; readonly path: string }
  | { readonly kind: "update"; readonly tableKey: string; readonly version: number }
  | { readonly kind: "tombstone"; readonly tableKey: string };

/** Every version number of main's manifest, ascending. */
export async function manifestVersions(storage: GraphStorage): Promise<number[]> {
  const names = await storage.list(MANIFEST_VERSIONS_DIR);
  return names
    .map(parseManifestVersionName)
    .filter((v): v is number => v !== null)
    .sort((a, b) => a - b);
}

export async function readManifestVersion(
  storage: GraphStorage,
  version: number,
): Promise<Manifest> {
  const key = manifestVersionKey(version);
  const text = await storage.tryRead(key);
  if (text === null) {
    throw new EngineError(
      "storage",
      `manifest version ${version} does not exist`,
      storage.key(key),
    );
  }
  const m = decodeJson(storage.key(key), text, ManifestSchema);
  if (m.version !== version) {
    throw new EngineError(
      "corrupt_object",
      `object '${storage.key(key)}' is corrupt: it records version ${m.version}`,
      storage.key(key),
    );
  }
  return m;
}

/** Main's current manifest, or null when the root holds no manifest (not a graph). */
export async function readHead(storage: GraphStorage): Promise<Manifest | null> {
  const versions = await manifestVersions(storage);
  const last = versions[versions.length - 1];
  return last === undefined ? null : readManifestVersion(storage, last);
}

export async function requireHead(storage: GraphStorage): Promise<Manifest> {
  const head = await readHead(storage);
  if (head === null) {
    throw new EngineError("not_a_graph", `no graph manifest found at '${storage.root}'`);
  }
  return head;
}

function applyChanges(
  tables: Readonly<Record<string, TableEntry>>,
  changes: readonly ManifestChange[],
): Record<string, TableEntry> {
  const next: Record<string, TableEntry> = { ...tables };
  for (const c of changes) {
    if (c.kind === "register") next[c.tableKey] = { path: c.path, version: 0 };
    else if (c.kind === "tombstone") delete next[c.tableKey];
    else {
      const entry = next[c.tableKey];
      if (entry === undefined) {
        throw new EngineError("conflict", `no manifest entry for table '${c.tableKey}'`);
      }
      next[c.tableKey] = { path: entry.path, version: c.version };
    }
  }
  return Object.fromEntries(Object.entries(next).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export interface CommitOptions {
  /** Per-table CAS: the pin each table must still have (0 = absent) when the commit lands. */
  readonly expected?: ReadonlyMap<string, number>;
  readonly schemaIrHash: string | null;
  readonly actor: string | null;
}

const MAX_COMMIT_ATTEMPTS = 16;

/**
 * Publishes a new main manifest version: create-if-absent of `head + 1`, so of concurrent
 * committers exactly one wins each version; a loser re-reads the head and rebases its
 * changes when its table expectations still hold (upstream's row-level CAS retry).
 */
export async function commitManifest(
  storage: GraphStorage,
  changes: readonly ManifestChange[],
  opts: CommitOptions,
): Promise<number> {
  for (let attempt = 0; attempt < MAX_COMMIT_ATTEMPTS; attempt++) {
    const head = await requireHead(storage);
    for (const [tableKey, expected] of opts.expected ?? []) {
      const actual = head.tables[tableKey]?.version ?? 0;
      if (actual !== expected) {
        throw new EngineError(
          "conflict",
          `stale view of '${tableKey}': expected manifest table version ${expected} but current is ${actual} — refresh and retry`,
        );
      }
    }
    const next: Manifest = {
      version: head.version + 1,
      tables: applyChanges(head.tables, changes),
      schema_ir_hash: opts.schemaIrHash,
      committed_at: storage.proc.world.clock.nowIso(),
      actor: opts.actor,
    };
    const won = await storage.putIfAbsent(
      "engine.manifest.commit",
      manifestVersionKey(next.version),
      prettyJson(next),
    );
    if (won) return next.version;
  }
  throw new EngineError("conflict", "manifest commit kept losing races with concurrent writers");
}

/** The manifest main starts with at init: every declared type registered at version 1. */
export function initialManifest(
  tables: Record<string, TableEntry>,
  schemaIrHash: string,
  committedAt: string,
): Manifest {
  return {
    version: 1,
    tables,
    schema_ir_hash: schemaIrHash,
    committed_at: committedAt,
    actor: null,
  };
}
