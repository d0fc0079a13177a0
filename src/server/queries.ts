import { compareStrings } from "../util/json.ts";
import {
  type CheckedQuery,
  type CompiledSchema,
  parseQueries,
  type QueryAst,
  typecheckQuery,
} from "./engine.ts";
import { type ParamDescriptor, paramDescriptor } from "./params.ts";
import type { ServingQuery } from "./snapshot.ts";

/**
 * A graph's stored queries. In cluster mode every stored query is exposed and its tool name
 * is its registry name, so the registry key is the only identity.
 */
export interface StoredQuery {
  readonly name: string;
  readonly source: string;
  readonly decl: QueryAst;
}

/** A stored query that type-checked against the live schema: what requests run. */
export interface ServedQuery extends StoredQuery {
  readonly checked: CheckedQuery;
}

export function isMutation(q: StoredQuery): boolean {
  return q.decl.mutations.length > 0;
}

/**
 * Layer 2: parses each stored query's verified source and picks the declaration whose name
 * is the registry key. Every failure is collected, as upstream's registry loader does.
 */
export function buildQueryRegistry(
  specs: readonly ServingQuery[],
): { ok: true; queries: StoredQuery[] } | { ok: false; errors: string[] } {
  const queries: StoredQuery[] = [];
  const errors: string[] = [];
  for (const spec of [...specs].sort((a, b) => compareStrings(a.name, b.name))) {
    const parsed = parseQueries(spec.source);
    if (!parsed.ok) {
      errors.push(`stored query '${spec.name}': parse error: ${parsed.error.message}`);
      continue;
    }
    const decl = parsed.queries.find((q) => q.name === spec.name);
    if (decl === undefined) {
      errors.push(
        `stored query '${spec.name}': no \`query ${spec.name}\` declaration found in its \`.gq\` file (the registry key must match the query symbol)`,
      );
      continue;
    }
    queries.push({ name: spec.name, source: spec.source, decl });
  }
  return errors.length === 0 ? { ok: true, queries } : { ok: false, errors };
}

/** Layer 3: every stored query against the live catalog; a single breakage fails the graph. */
export function checkQueriesAgainst(
  graphId: string,
  queries: readonly StoredQuery[],
  schema: CompiledSchema,
): { ok: true; queries: ServedQuery[] } | { ok: false; message: string } {
  const served: ServedQuery[] = [];
  const breakages: string[] = [];
  for (const q of queries) {
    const r = typecheckQuery(q.decl, schema);
    if (r.ok) served.push({ ...q, checked: r.checked });
    else breakages.push(`query '${q.name}': ${r.message}`);
  }
  if (breakages.length === 0) return { ok: true, queries: served };
  const n = breakages.length;
  return {
    ok: false,
    message: `graph '${graphId}': ${n} stored quer${n === 1 ? "y" : "ies"} failed the schema check:\n  ${breakages.join("\n  ")}`,
  };
}

/** One entry of `GET /graphs/{id}/queries`. */
export interface QueryCatalogEntry {
  name: string;
  tool_name: string;
  description?: string;
  instruction?: string;
  mutation: boolean;
  params: ParamDescriptor[];
}

export function catalogEntry(q: StoredQuery): QueryCatalogEntry {
  const out: QueryCatalogEntry = { name: q.name, tool_name: q.name, mutation: false, params: [] };
  if (q.decl.description !== null) out.description = q.decl.description;
  if (q.decl.instruction !== null) out.instruction = q.decl.instruction;
  out.mutation = isMutation(q);
  out.params = q.decl.params.map(paramDescriptor);
  return out;
}
