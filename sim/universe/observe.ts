import { graphIdOf } from "../../src/cluster/addresses.ts";
import { sha256Hex } from "../../src/util/digest.ts";
import { tryParseJson } from "../../src/util/json.ts";
import { memoByText } from "../../src/util/memo.ts";
import type { ObjectStore } from "../../src/world/store/ObjectStore.ts";

/**
 * What the harness sees of the store between steps. Read straight from the raw store with
 * the harness's privilege (no process, no failpoints, no trace events), so observing never
 * perturbs the universe.
 */
export interface SidecarView {
  readonly key: string;
  readonly kind: string | null;
  readonly graphId: string | null;
  /** Parsed and of the known shape (schema_version 1, attributed). */
  readonly valid: boolean;
}

export interface GraphView {
  readonly exists: boolean;
  readonly schemaDigest: string | null;
  readonly schemaText: string | null;
  readonly mainVersion: number | null;
  readonly staging: boolean;
  readonly engineSidecars: number;
  readonly branches: readonly string[];
}

export interface LedgerView {
  readonly text: string;
  readonly revision: number | null;
  readonly resources: Readonly<Record<string, Record<string, unknown>>>;
  readonly configDigest: string | null;
  readonly parsed: boolean;
}

export interface Observation {
  readonly ledger: LedgerView | null;
  readonly lockId: string | null;
  readonly lockPresent: boolean;
  readonly sidecars: readonly SidecarView[];
  readonly graphs: Readonly<Record<string, GraphView>>;
}

export const ROOT_OF = (g: string): string => `graphs/${g}.omni`;

async function text(store: ObjectStore, key: string): Promise<string | null> {
  return (await store.get(key))?.text ?? null;
}

function obj(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === "object" && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : null;
}

export async function observeLedger(store: ObjectStore): Promise<LedgerView | null> {
  const t = await text(store, "__cluster/state.json");
  return t === null ? null : ledgerView(t);
}

/** What the harness reads of ledger text: a pure function of it (remembered, frozen). */
const ledgerView = memoByText((t: string): LedgerView => {
  const p = tryParseJson(t);
  const root = p.ok ? obj(p.value) : null;
  if (!root) return { text: t, revision: null, resources: {}, configDigest: null, parsed: false };
  const applied = obj(root.applied_revision);
  const resources = obj(applied?.resources) ?? {};
  const out: Record<string, Record<string, unknown>> = {};
  for (const k of Object.keys(resources).sort()) out[k] = obj(resources[k]) ?? {};
  return {
    text: t,
    revision: typeof root.state_revision === "number" ? root.state_revision : 0,
    resources: out,
    configDigest: typeof applied?.config_digest === "string" ? applied.config_digest : null,
    parsed: true,
  };
});

export async function observeSidecars(store: ObjectStore): Promise<SidecarView[]> {
  const names = (await store.list("__cluster/recoveries")).filter((n) => n.endsWith(".json"));
  const out: SidecarView[] = [];
  for (const n of names) {
    const key = `__cluster/recoveries/${n}`;
    const t = await text(store, key);
    out.push({ key, ...(t === null ? UNREADABLE_SIDECAR : sidecarFields(t)) });
  }
  return out;
}

type SidecarFields = Omit<SidecarView, "key">;

const UNREADABLE_SIDECAR: SidecarFields = { kind: null, graphId: null, valid: false };

/** What the harness reads of sidecar text: a pure function of it (remembered, frozen). */
const sidecarFields = memoByText((t: string): SidecarFields => {
  const p = tryParseJson(t);
  const o = p.ok ? obj(p.value) : null;
  const graphId = typeof o?.graph_id === "string" ? o.graph_id : null;
  const kind = typeof o?.kind === "string" ? o.kind : null;
  return {
    kind,
    graphId,
    valid: o !== null && o.schema_version === 1 && !!graphId && graphId.trim() !== "",
  };
});

/** The engine's graph root as stored: live schema, main version, residue and branches. */
export async function observeGraph(store: ObjectStore, g: string): Promise<GraphView> {
  const root = ROOT_OF(g);
  const exists = await store.exists(root);
  if (!exists) {
    return {
      exists,
      schemaDigest: null,
      schemaText: null,
      mainVersion: null,
      staging: false,
      engineSidecars: 0,
      branches: [],
    };
  }
  const schemaText = await text(store, `${root}/_schema.pg`);
  const versions = (await store.list(`${root}/__manifest/versions`))
    .map((n) => Number.parseInt(n, 10))
    .filter((n) => Number.isFinite(n));
  const staging =
    (await store.exists(`${root}/_schema.pg.staging`)) ||
    (await store.exists(`${root}/_schema.ir.json.staging`));
  const engineSidecars = (await store.list(`${root}/__recovery`)).length;
  const branches = (await store.list(`${root}/__manifest/branches`)).map((n) =>
    n.replace(/\.json$/, ""),
  );
  return {
    exists,
    schemaDigest: schemaText === null ? null : sha256Hex(schemaText),
    schemaText,
    mainVersion: versions.length ? Math.max(...versions) : null,
    staging,
    engineSidecars,
    branches,
  };
}

export async function observe(
  store: ObjectStore,
  graphIds: Iterable<string>,
): Promise<Observation> {
  const ledger = await observeLedger(store);
  const lockText = await text(store, "__cluster/lock.json");
  const ids = new Set<string>(graphIds);
  for (const addr of Object.keys(ledger?.resources ?? {})) {
    const g = graphIdOf(addr);
    if (g !== null) ids.add(g);
  }
  for (const n of await store.list("graphs")) if (n.endsWith(".omni")) ids.add(n.slice(0, -5));
  const graphs: Record<string, GraphView> = {};
  for (const g of [...ids].sort()) graphs[g] = await observeGraph(store, g);
  return {
    ledger,
    lockPresent: lockText !== null,
    lockId: lockText === null ? null : lockIdOf(lockText),
    sidecars: await observeSidecars(store),
    graphs,
  };
}

/** The lock id in lock text, if it parses and has one (remembered by text). */
const lockIdOf = memoByText(
  (t: string): string | null => {
    const p = tryParseJson(t);
    const o = p.ok ? obj(p.value) : null;
    return typeof o?.lock_id === "string" ? o.lock_id : null;
  },
  { freeze: false },
);
