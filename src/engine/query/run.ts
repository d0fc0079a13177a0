import { EngineError } from "../errors.ts";
import type { Graph } from "../graph.ts";
import type { Snapshot } from "../read.ts";
import { type EdgeType, lookupEdge, type NodeType, tableKeyOf } from "../schema/catalog.ts";
import type { Row } from "../store/tables.ts";
import { checkUniqueness, prepareEdgeRows, prepareNodeRows } from "../write/insert.ts";
import { mutateTables, type TableReader } from "../write/mutate.ts";
import { checkValue, lookupType } from "../write/rows.ts";
import type { Clause, CompOp, Expr, Literal, MatchValue, Mutation, Predicate } from "./ast.ts";
import { type CheckedQuery, resolveTraversal, typecheckQuery } from "./typecheck.ts";

type Env = ReadonlyMap<string, Row>;

export interface RunOptions {
  /** The actor for mutation queries (policy and commit attribution). */
  readonly actor?: string | null;
}

/**
 * Runs a typechecked query against the graph's main snapshot. Reads return one object per
 * result row keyed by column name (`p.name`, or the alias); a mutation returns one row
 * `{affected_nodes, affected_edges}` after a single publish.
 */
export async function runQuery(
  graph: Graph,
  q: CheckedQuery,
  params: Record<string, unknown>,
  opts: RunOptions = {},
): Promise<Array<Record<string, unknown>>> {
  const checked = recheck(graph, q);
  const values = bindParams(checked, params);
  const now = graph.context.proc.world.clock.nowIso();
  if (checked.kind === "mutation") {
    return [await runMutations(graph, checked, values, now, opts.actor)];
  }
  const exec = new Executor(graph, await graph.snapshot(), values, now);
  return exec.read(checked);
}

/** A query checked against another schema is checked again against the live one. */
function recheck(graph: Graph, q: CheckedQuery): CheckedQuery {
  const live = graph.catalog();
  if (q.schemaHash === live.irHash) return q;
  const r = typecheckQuery(q.query, live);
  if (!r.ok) throw new EngineError("query_invalid", r.message);
  return r.checked;
}

function bindParams(q: CheckedQuery, params: Record<string, unknown>): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [name, type] of q.params) {
    const v = params[name];
    if ((v === null || v === undefined) && !type.nullable) {
      throw new EngineError(
        "invalid_argument",
        `param '${name}': null is not accepted for non-nullable parameter`,
      );
    }
    out.set(name, checkValue(`param '${name}'`, type, v));
  }
  for (const [name, v] of Object.entries(params)) if (!out.has(name)) out.set(name, v);
  return out;
}

function literalValue(l: Literal): unknown {
  return l.kind === "list" ? l.items.map(literalValue) : l.value;
}

function matchValue(v: MatchValue, params: ReadonlyMap<string, unknown>, now: string): unknown {
  if (v.kind === "literal") return literalValue(v.value);
  if (v.kind === "now") return now;
  return params.get(v.name) ?? null;
}

function compare(a: unknown, b: unknown): number | null {
  if (a === null || a === undefined || b === null || b === undefined) return null;
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "boolean" && typeof b === "boolean") return a === b ? 0 : a ? 1 : -1;
  return JSON.stringify(a) === JSON.stringify(b) ? 0 : null;
}

function test(op: CompOp, a: unknown, b: unknown): boolean {
  if (op === "contains") return Array.isArray(a) && a.some((x) => compare(x, b) === 0);
  const c = compare(a, b);
  if (c === null) return op === "!=" && !(a === null && b === null) && a !== b;
  switch (op) {
    case "=":
      return c === 0;
    case "!=":
      return c !== 0;
    case ">":
      return c > 0;
    case "<":
      return c < 0;
    case ">=":
      return c >= 0;
    case "<=":
      return c <= 0;
  }
}

/** A property match: list properties match by membership, everything else by equality. */
function propMatches(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(actual) && !Array.isArray(expected)) {
    return actual.some((x) => compare(x, expected) === 0);
  }
  return compare(actual, expected) === 0;
}

class Executor {
  constructor(
    private readonly graph: Graph,
    private readonly snap: Snapshot,
    private readonly params: ReadonlyMap<string, unknown>,
    private readonly now: string,
  ) {}

  private node(name: string): NodeType {
    const t = this.graph.catalog().catalog.nodeTypes.get(name);
    if (t === undefined) throw new EngineError("query_invalid", `unknown node type \`${name}\``);
    return t;
  }

  async read(q: CheckedQuery): Promise<Row[]> {
    const types = new Map<string, string>();
    let envs = await this.clauses(q.query.match, [new Map()], types);
    const hasAgg = q.query.returns.some((p) => p.expr.kind === "aggregate");
    let rows: { out: Row; env: Env }[];
    if (hasAgg) rows = this.aggregate(q, envs);
    else {
      rows = envs.map((env) => {
        const out: Row = {};
        q.query.returns.forEach((p, i) => {
          out[q.columns[i] as string] = this.eval(p.expr, env);
        });
        return { out, env };
      });
    }
    envs = [];
    if (q.query.order.length > 0) {
      const keyed = rows.map((r) => ({
        r,
        keys: q.query.order.map((o) => this.orderKey(q, o.expr, r)),
      }));
      keyed.sort((x, y) => {
        for (let i = 0; i < q.query.order.length; i++) {
          const c =
            compare(x.keys[i], y.keys[i]) ?? (x.keys[i] == null ? (y.keys[i] == null ? 0 : 1) : -1);
          if (c !== 0) return q.query.order[i]?.descending ? -c : c;
        }
        return 0;
      });
      rows = keyed.map((k) => k.r);
    }
    const limited = q.query.limit === null ? rows : rows.slice(0, q.query.limit);
    return limited.map((r) => r.out);
  }

  private orderKey(q: CheckedQuery, e: Expr, r: { out: Row; env: Env }): unknown {
    if (e.kind === "alias") return r.out[e.name];
    const i = q.query.returns.findIndex((p) => JSON.stringify(p.expr) === JSON.stringify(e));
    if (i >= 0) return r.out[q.columns[i] as string];
    return this.eval(e, r.env);
  }

  private aggregate(q: CheckedQuery, envs: Env[]): { out: Row; env: Env }[] {
    const groups = new Map<string, Env[]>();
    for (const env of envs) {
      const key = JSON.stringify(
        q.query.returns
          .filter((p) => p.expr.kind !== "aggregate")
          .map((p) => this.eval(p.expr, env)),
      );
      const g = groups.get(key) ?? [];
      g.push(env);
      groups.set(key, g);
    }
    if (groups.size === 0 && q.query.returns.every((p) => p.expr.kind === "aggregate")) {
      groups.set("[]", []);
    }
    return [...groups.values()].map((members) => {
      const out: Row = {};
      q.query.returns.forEach((p, i) => {
        const col = q.columns[i] as string;
        if (p.expr.kind !== "aggregate") {
          out[col] = members[0] === undefined ? null : this.eval(p.expr, members[0]);
          return;
        }
        const arg = p.expr.arg;
        const vals = members
          .map((m) => this.eval(arg, m))
          .filter((v) => v !== null && v !== undefined);
        out[col] = aggregateOf(p.expr.func, vals);
      });
      return { out, env: members[0] ?? new Map() };
    });
  }

  eval(e: Expr, env: Env): unknown {
    switch (e.kind) {
      case "now":
        return this.now;
      case "literal":
        return literalValue(e.value);
      case "prop":
        return env.get(e.variable)?.[e.property] ?? null;
      case "variable":
        return this.params.has(e.name) ? this.params.get(e.name) : (env.get(e.name) ?? null);
      case "alias":
        return null;
      case "aggregate":
        return null;
    }
  }

  private async clauses(
    clauses: readonly Clause[],
    envs: Env[],
    types: Map<string, string>,
  ): Promise<Env[]> {
    let cur = envs;
    for (const c of clauses) {
      if (cur.length === 0) return cur;
      cur = await this.clause(c, cur, types);
    }
    return cur;
  }

  private async clause(c: Clause, envs: Env[], types: Map<string, string>): Promise<Env[]> {
    switch (c.kind) {
      case "binding": {
        const t = this.node(c.typeName);
        const rows = (await this.snap.rowsOf(t)).filter((row) =>
          c.props.every((pm) =>
            propMatches(row[pm.prop], matchValue(pm.value, this.params, this.now)),
          ),
        );
        types.set(c.variable, c.typeName);
        const out: Env[] = [];
        for (const env of envs) {
          const bound = env.get(c.variable);
          if (bound !== undefined) {
            if (rows.some((r) => r.id === bound.id)) out.push(env);
            continue;
          }
          for (const row of rows) out.push(new Map(env).set(c.variable, row));
        }
        return out;
      }
      case "traversal":
        return this.traverse(c, envs, types);
      case "filter":
        return envs.filter((env) => test(c.op, this.eval(c.left, env), this.eval(c.right, env)));
      case "negation": {
        const out: Env[] = [];
        for (const env of envs) {
          const inner = await this.clauses(c.clauses, [env], new Map(types));
          if (inner.length === 0) out.push(env);
        }
        return out;
      }
    }
  }

  private async traverse(
    c: Extract<Clause, { kind: "traversal" }>,
    envs: Env[],
    types: Map<string, string>,
  ): Promise<Env[]> {
    const catalog = this.graph.catalog().catalog;
    const r = resolveTraversal(catalog, c, types);
    const edge = lookupEdge(catalog, c.edge) as EdgeType;
    const edges = await this.snap.rowsOf(edge);
    const srcType = r.direction === "out" ? edge.from_type : edge.to_type;
    const dstType = r.direction === "out" ? edge.to_type : edge.from_type;
    if (c.src !== "_") types.set(c.src, srcType);
    if (c.dst !== "_") types.set(c.dst, dstType);
    const next = new Map<string, string[]>();
    for (const e of edges) {
      const [a, b] = r.direction === "out" ? [e.src, e.dst] : [e.dst, e.src];
      const list = next.get(String(a)) ?? [];
      list.push(String(b));
      next.set(String(a), list);
    }
    const reach = (from: string): Set<string> => {
      const found = new Set<string>();
      let frontier = [from];
      for (let depth = 1; depth <= r.maxHops && frontier.length > 0; depth++) {
        const step: string[] = [];
        for (const id of frontier) for (const n of next.get(id) ?? []) step.push(n);
        if (depth >= r.minHops) for (const n of step) found.add(n);
        frontier = [...new Set(step)];
      }
      return found;
    };
    const srcRows = await this.snap.rowsOf(this.node(srcType));
    const dstRows = await this.snap.rowsOf(this.node(dstType));
    const dstById = new Map(dstRows.map((row) => [String(row.id), row]));
    const out: Env[] = [];
    for (const env of envs) {
      const starts = env.has(c.src) ? [env.get(c.src) as Row] : srcRows;
      for (const s of starts) {
        const base = c.src === "_" || env.has(c.src) ? env : new Map(env).set(c.src, s);
        const ids = reach(String(s.id));
        const boundDst = env.get(c.dst);
        if (boundDst !== undefined) {
          if (ids.has(String(boundDst.id))) out.push(base);
          continue;
        }
        if (c.dst === "_") {
          if (ids.size > 0) out.push(base);
          continue;
        }
        for (const id of [...ids].sort()) {
          const row = dstById.get(id);
          if (row !== undefined) out.push(new Map(base).set(c.dst, row));
        }
      }
    }
    return out;
  }
}

function aggregateOf(func: string, vals: unknown[]): unknown {
  const nums = vals.filter((v): v is number => typeof v === "number");
  switch (func) {
    case "count":
      return vals.length;
    case "sum":
      return nums.reduce((a, b) => a + b, 0);
    case "avg":
      return nums.length === 0 ? null : nums.reduce((a, b) => a + b, 0) / nums.length;
    case "min":
      return vals.reduce<unknown>((m, v) => (m === null || (compare(v, m) ?? 0) < 0 ? v : m), null);
    default:
      return vals.reduce<unknown>((m, v) => (m === null || (compare(v, m) ?? 0) > 0 ? v : m), null);
  }
}

function predicateHolds(p: Predicate, row: Row, isEdge: boolean, value: unknown): boolean {
  const col =
    isEdge && p.property === "from" ? "src" : isEdge && p.property === "to" ? "dst" : p.property;
  return test(p.op, row[col] ?? null, value);
}

async function runMutations(
  graph: Graph,
  q: CheckedQuery,
  params: ReadonlyMap<string, unknown>,
  now: string,
  actor: string | null | undefined,
): Promise<Record<string, unknown>> {
  const ctx = graph.context;
  const catalog = ctx.live.compiled.catalog;
  let nodes = 0;
  let edges = 0;
  await mutateTables(ctx, actor, async (read: TableReader) => {
    const tables = new Map<string, Row[]>();
    const get = async (key: string) => {
      const hit = tables.get(key);
      if (hit !== undefined) return hit;
      const rows = [...(await read(key))];
      tables.set(key, rows);
      return rows;
    };
    const dirty = new Map<string, Row[]>();
    const write = (key: string, rows: Row[]) => {
      tables.set(key, rows);
      dirty.set(key, rows);
    };
    for (const m of q.query.mutations) {
      const n = await applyMutation(m, catalog, ctx, get, write, params, now);
      nodes += n.nodes;
      edges += n.edges;
    }
    return dirty;
  });
  return { affected_nodes: nodes, affected_edges: edges };
}

async function applyMutation(
  m: Mutation,
  catalog: Graph["context"]["live"]["compiled"]["catalog"],
  ctx: Graph["context"],
  read: TableReader,
  write: (key: string, rows: Row[]) => void,
  params: ReadonlyMap<string, unknown>,
  now: string,
): Promise<{ nodes: number; edges: number }> {
  const t = lookupType(catalog, m.typeName);
  const key = tableKeyOf(t.kind, t.name);
  const rows = await read(key);
  if (m.kind === "insert") {
    const row: Record<string, unknown> = {};
    for (const a of m.assignments) row[a.property] = matchValue(a.value, params, now);
    const added =
      t.kind === "node"
        ? prepareNodeRows(ctx, t, [row])
        : await prepareEdgeRows(ctx, t, [row], read);
    const all = [...rows, ...added];
    checkUniqueness(t, all);
    write(key, all);
    return t.kind === "node" ? { nodes: 1, edges: 0 } : { nodes: 0, edges: 1 };
  }
  const target = matchValue(m.where.value, params, now);
  const hits = rows.filter((r) => predicateHolds(m.where, r, t.kind === "edge", target));
  if (m.kind === "update") {
    const updated = rows.map((r) => {
      if (!hits.includes(r)) return r;
      const next: Row = { ...r };
      for (const a of m.assignments) {
        const type = t.properties.get(a.property);
        if (type !== undefined) {
          next[a.property] = checkValue(
            `${t.name}.${a.property}`,
            type,
            matchValue(a.value, params, now),
          );
        }
      }
      return next;
    });
    checkUniqueness(t, updated);
    write(key, updated);
    return { nodes: hits.length, edges: 0 };
  }
  write(
    key,
    rows.filter((r) => !hits.includes(r)),
  );
  if (t.kind === "edge") return { nodes: 0, edges: hits.length };
  // Deleting a node deletes the edges that touch it.
  const gone = new Set(hits.map((r) => String(r.id)));
  let edgeCount = 0;
  for (const e of catalog.edgeTypes.values()) {
    if (e.from_type !== t.name && e.to_type !== t.name) continue;
    const ek = tableKeyOf("edge", e.name);
    const erows = await read(ek);
    const kept = erows.filter((r) => !gone.has(String(r.src)) && !gone.has(String(r.dst)));
    if (kept.length !== erows.length) {
      edgeCount += erows.length - kept.length;
      write(ek, kept);
    }
  }
  return { nodes: hits.length, edges: edgeCount };
}
