import { memoByObject } from "../../util/memo.ts";
import { type Catalog, lookupEdge } from "../schema/catalog.ts";
import type { CompiledSchema } from "../schema/compile.ts";
import {
  displayName,
  isNumeric,
  isVector,
  listType,
  type PropType,
  propTypeFromParamName,
  scalarType,
  typesCompatible,
} from "../schema/types.ts";
import type { Clause, Expr, Literal, MatchValue, Mutation, Predicate, QueryAst } from "./ast.ts";

/** Which way a traversal walks its edge table: `Out` follows src → dst. */
export type Direction = "out" | "in";

export interface ResolvedTraversal {
  readonly src: string;
  readonly dst: string;
  readonly edgeType: string;
  readonly direction: Direction;
  readonly minHops: number;
  readonly maxHops: number;
}

/** A query that typechecked against one compiled schema; what `runQuery` executes. */
export interface CheckedQuery {
  readonly query: QueryAst;
  readonly kind: "read" | "mutation";
  readonly params: ReadonlyMap<string, PropType>;
  /** Variable → node type, for every variable the match binds. */
  readonly bindings: ReadonlyMap<string, string>;
  /** Result column names, in projection order. */
  readonly columns: readonly string[];
  /** The irHash of the schema it was checked against. */
  readonly schemaHash: string;
}

export type TypecheckResult =
  | { readonly ok: true; readonly checked: CheckedQuery }
  | { readonly ok: false; readonly message: string };

class TypeFailure extends Error {}

function fail(detail: string): never {
  throw new TypeFailure(`type error: ${detail}`);
}

type Resolved =
  | { kind: "scalar"; type: PropType }
  | { kind: "node"; typeName: string }
  | { kind: "aggregate" };

interface Ctx {
  bindings: Map<string, string>;
  aliases: Map<string, Resolved>;
}

/**
 * Typechecks one parsed query against a compiled schema. Never throws. A pure function of
 * the two: when both are memoized (frozen) values, the verdict is remembered with them.
 */
export function typecheckQuery(q: QueryAst, schema: CompiledSchema): TypecheckResult {
  return Object.isFrozen(q) ? typecheckMemo(q)(schema) : typecheckFresh(q, schema);
}

const typecheckMemo = memoByObject(
  (q: QueryAst) => memoByObject((schema: CompiledSchema) => typecheckFresh(q, schema)),
  { freeze: false },
);

function typecheckFresh(q: QueryAst, schema: CompiledSchema): TypecheckResult {
  try {
    const params = declaredParams(q);
    const catalog = schema.catalog;
    if (q.mutations.length > 0) {
      for (const m of q.mutations) checkMutation(catalog, m, params);
      return {
        ok: true,
        checked: {
          query: q,
          kind: "mutation",
          params,
          bindings: new Map(),
          columns: [],
          schemaHash: schema.irHash,
        },
      };
    }
    const ctx: Ctx = { bindings: new Map(), aliases: new Map() };
    checkClauses(catalog, q.match, ctx, params);
    for (const p of q.returns) {
      const r = resolveExpr(catalog, p.expr, ctx, params);
      if (p.alias !== null) ctx.aliases.set(p.alias, r);
    }
    for (const o of q.order) resolveExpr(catalog, o.expr, ctx, params);
    if (q.returns.some((p) => p.expr.kind === "aggregate")) {
      for (const p of q.returns) {
        if (p.expr.kind === "aggregate" || p.expr.kind === "prop" || p.expr.kind === "variable") {
          continue;
        }
        fail(
          "T9: non-aggregate expressions in an aggregate query must be property accesses or variables",
        );
      }
    }
    return {
      ok: true,
      checked: {
        query: q,
        kind: "read",
        params,
        bindings: ctx.bindings,
        columns: q.returns.map((p) => columnName(p.expr, p.alias)),
        schemaHash: schema.irHash,
      },
    };
  } catch (e) {
    if (e instanceof TypeFailure) return { ok: false, message: e.message };
    throw e;
  }
}

/** `p.name` for `$p.name`, the alias when there is one. */
export function columnName(expr: Expr, alias: string | null): string {
  if (alias !== null) return alias;
  switch (expr.kind) {
    case "prop":
      return `${expr.variable}.${expr.property}`;
    case "variable":
      return expr.name;
    case "aggregate":
      return expr.func;
    case "alias":
      return expr.name;
    case "now":
      return "now";
    case "literal":
      return "literal";
  }
}

function declaredParams(q: QueryAst): Map<string, PropType> {
  const out = new Map<string, PropType>();
  for (const p of q.params) {
    if (p.name === "__nanograph_now") {
      fail("parameter name `$__nanograph_now` is reserved for runtime timestamp injection");
    }
    const t = propTypeFromParamName(p.typeName, p.nullable);
    if (t === null) fail(`unknown parameter type \`${p.typeName}\` for \`$${p.name}\``);
    out.set(p.name, t);
  }
  return out;
}

function checkClauses(
  catalog: Catalog,
  clauses: readonly Clause[],
  ctx: Ctx,
  params: ReadonlyMap<string, PropType>,
): void {
  for (const c of clauses) {
    switch (c.kind) {
      case "binding":
        checkBinding(catalog, c, ctx, params);
        break;
      case "traversal":
        checkTraversal(catalog, c, ctx);
        break;
      case "filter":
        checkFilter(catalog, c, ctx, params);
        break;
      case "negation": {
        const outer = new Set(ctx.bindings.keys());
        const inner: Ctx = { bindings: new Map(ctx.bindings), aliases: new Map(ctx.aliases) };
        checkClauses(catalog, c.clauses, inner, params);
        const refs = c.clauses.some((k) => {
          if (k.kind === "traversal") return outer.has(k.src) || outer.has(k.dst);
          if (k.kind === "binding") return outer.has(k.variable);
          if (k.kind === "filter") return exprRefs(k.left, outer) || exprRefs(k.right, outer);
          return false;
        });
        if (!refs) fail("T9: negation block must reference at least one outer-bound variable");
        break;
      }
    }
  }
}

function exprRefs(e: Expr, vars: ReadonlySet<string>): boolean {
  if (e.kind === "prop") return vars.has(e.variable);
  if (e.kind === "variable") return vars.has(e.name);
  if (e.kind === "aggregate") return exprRefs(e.arg, vars);
  return false;
}

function checkBinding(
  catalog: Catalog,
  b: Extract<Clause, { kind: "binding" }>,
  ctx: Ctx,
  params: ReadonlyMap<string, PropType>,
): void {
  const node = catalog.nodeTypes.get(b.typeName);
  if (node === undefined) fail(`T1: unknown node type \`${b.typeName}\``);
  for (const pm of b.props) {
    const prop = node.properties.get(pm.prop);
    if (prop === undefined) fail(`T2: type \`${b.typeName}\` has no property \`${pm.prop}\``);
    if (prop.scalar === "Blob") {
      fail(`T3: blob property \`${b.typeName}.${pm.prop}\` cannot be used in match patterns`);
    }
    const v = pm.value;
    if (v.kind === "literal") checkBindingLiteral(v.value, prop, pm.prop);
    else if (v.kind === "variable") {
      const actual = params.get(v.name);
      if (actual !== undefined) checkBindingVariable(actual, prop, pm.prop);
    } else checkNow(prop, pm.prop);
  }
  const existing = ctx.bindings.get(b.variable);
  if (existing !== undefined && existing !== b.typeName) {
    fail(
      `variable \`$${b.variable}\` already bound to type \`${existing}\`, cannot rebind to \`${b.typeName}\``,
    );
  }
  ctx.bindings.set(b.variable, b.typeName);
}

function member(t: PropType): PropType {
  return scalarType(t.scalar, t.nullable);
}

function checkBindingLiteral(lit: Literal, expected: PropType, prop: string): void {
  if (expected.list) {
    const lt = literalType(lit);
    if (lt.list) {
      fail(
        `T3: list equality is not supported for property \`${prop}\`; use a scalar value to match list membership`,
      );
    }
    if (!typesCompatible(lt, member(expected))) {
      fail(
        `T3: property \`${prop}\` has type ${displayName(expected)} but membership match got ${displayName(lt)}`,
      );
    }
    return;
  }
  checkLiteral(lit, expected, prop);
}

function checkBindingVariable(actual: PropType, expected: PropType, prop: string): void {
  if (expected.list) {
    if (actual.list) {
      fail(
        `T7: list equality is not supported for property \`${prop}\`; use a scalar parameter for membership matching`,
      );
    }
    if (!typesCompatible(actual, member(expected))) {
      fail(
        `T7: cannot compare ${displayName(actual)} membership against ${displayName(expected)} for property \`${prop}\``,
      );
    }
    return;
  }
  if (!typesCompatible(actual, expected)) {
    fail(
      `T7: cannot assign/compare ${displayName(actual)} with ${displayName(expected)} for property \`${prop}\``,
    );
  }
}

function checkNow(expected: PropType, prop: string): void {
  if (expected.list || expected.scalar !== "DateTime") {
    fail(
      `T7: cannot assign/compare DateTime with ${displayName(expected)} for property \`${prop}\``,
    );
  }
}

export function literalType(lit: Literal): PropType {
  switch (lit.kind) {
    case "string":
      return scalarType("String", false);
    case "integer":
      return scalarType("I64", false);
    case "float":
      return scalarType("F64", false);
    case "bool":
      return scalarType("Bool", false);
    case "date":
      return scalarType("Date", false);
    case "datetime":
      return scalarType("DateTime", false);
    case "list": {
      const first = lit.items[0];
      if (first === undefined) return listType("String", false);
      const ft = literalType(first);
      if (ft.list) fail("nested list literals are not supported");
      for (const item of lit.items.slice(1)) {
        const it = literalType(item);
        if (it.list || !typesCompatible(ft, it)) {
          fail("list literal elements must share a compatible scalar type");
        }
      }
      return listType(ft.scalar, false);
    }
  }
}

function checkLiteral(lit: Literal, expected: PropType, prop: string): void {
  if (!expected.list && isVector(expected.scalar) && lit.kind === "list") {
    const numeric = lit.items.every((i) => i.kind === "integer" || i.kind === "float");
    if (numeric && lit.items.length > 0) {
      if (lit.items.length === expected.scalar.Vector) return;
      fail(
        `T3: property \`${prop}\` has type Vector(${expected.scalar.Vector}) but got vector literal with ${lit.items.length} elements`,
      );
    }
  }
  const lt = literalType(lit);
  if (!typesCompatible(lt, expected)) {
    fail(`T3: property \`${prop}\` has type ${displayName(expected)} but got ${displayName(lt)}`);
  }
  const allowed = expected.enum_values;
  if (allowed !== null) {
    const values = lit.kind === "string" ? [lit.value] : lit.kind === "list" ? lit.items : [];
    for (const v of values) {
      const s = typeof v === "string" ? v : v.kind === "string" ? v.value : null;
      if (s !== null && !allowed.includes(s)) {
        fail(`T3: property \`${prop}\` expects one of [${allowed.join(", ")}], got '${s}'`);
      }
    }
  }
}

function checkTraversal(
  catalog: Catalog,
  t: Extract<Clause, { kind: "traversal" }>,
  ctx: Ctx,
): ResolvedTraversal {
  const edge = lookupEdge(catalog, t.edge);
  if (edge === undefined) fail(`T4: unknown edge type \`${t.edge}\``);
  if (t.minHops === 0) fail("T15: traversal min hop bound must be >= 1");
  if (t.maxHops === null) {
    fail("T15: unbounded traversal is disabled; use bounded traversal {min,max}");
  }
  if (t.maxHops < t.minHops) {
    fail(`T15: invalid traversal bounds {${t.minHops},${t.maxHops}}; max must be >= min`);
  }
  const endpointError = (v: string, type: string) =>
    fail(
      `T5: variable \`$${v}\` has type \`${type}\`, which is not an endpoint of edge \`${edge.name}: ${edge.from_type} -> ${edge.to_type}\``,
    );
  const bind = (v: string, expected: string) => {
    if (v === "_") return;
    const existing = ctx.bindings.get(v);
    if (existing !== undefined && existing !== expected) {
      fail(
        `T5: variable \`$${v}\` has type \`${existing}\` but edge \`${edge.name}\` expects \`${expected}\``,
      );
    }
    ctx.bindings.set(v, expected);
  };
  const srcT = ctx.bindings.get(t.src);
  const dstT = ctx.bindings.get(t.dst);
  let direction: Direction = "out";
  if (srcT !== undefined) {
    if (srcT === edge.from_type) bind(t.dst, edge.to_type);
    else if (srcT === edge.to_type) {
      direction = "in";
      bind(t.dst, edge.from_type);
    } else endpointError(t.src, srcT);
  } else if (dstT !== undefined) {
    if (dstT === edge.to_type) bind(t.src, edge.from_type);
    else if (dstT === edge.from_type) {
      direction = "in";
      bind(t.src, edge.to_type);
    } else endpointError(t.dst, dstT);
  } else {
    bind(t.src, edge.from_type);
    bind(t.dst, edge.to_type);
  }
  return {
    src: t.src,
    dst: t.dst,
    edgeType: edge.name,
    direction,
    minHops: t.minHops,
    maxHops: t.maxHops,
  };
}

/** Re-derives a traversal's direction at run time (the checker validated it). */
export function resolveTraversal(
  catalog: Catalog,
  t: Extract<Clause, { kind: "traversal" }>,
  bound: ReadonlyMap<string, string>,
): ResolvedTraversal {
  const ctx: Ctx = { bindings: new Map(bound), aliases: new Map() };
  return checkTraversal(catalog, t, ctx);
}

function checkFilter(
  catalog: Catalog,
  f: Extract<Clause, { kind: "filter" }>,
  ctx: Ctx,
  params: ReadonlyMap<string, PropType>,
): void {
  const l = resolveExpr(catalog, f.left, ctx, params);
  const r = resolveExpr(catalog, f.right, ctx, params);
  if (l.kind !== "scalar" || r.kind !== "scalar") {
    fail(
      `T7: filter comparisons require scalar operands, got ${resolvedName(l)} and ${resolvedName(r)}`,
    );
  }
  const lt = l.type;
  const rt = r.type;
  if (f.op === "contains") {
    if (!lt.list) fail(`T7: contains requires a list property on the left, got ${displayName(lt)}`);
    if (rt.list) fail("T7: contains requires a scalar right operand");
    if (!typesCompatible(member(lt), rt)) {
      fail(`T7: cannot test membership of ${displayName(rt)} in ${displayName(lt)}`);
    }
    return;
  }
  if (lt.list || rt.list) {
    fail("T7: list comparisons in filters are not supported; use `contains` for list membership");
  }
  if (isVector(lt.scalar) || isVector(rt.scalar)) {
    fail("T7: vector comparisons in filters are not supported");
  }
  if (lt.scalar === "Blob" || rt.scalar === "Blob") {
    fail("T7: blob comparisons in filters are not supported");
  }
  if (!typesCompatible(lt, rt))
    fail(`T7: cannot compare ${displayName(lt)} with ${displayName(rt)}`);
}

function resolvedName(r: Resolved): string {
  if (r.kind === "scalar") return displayName(r.type);
  if (r.kind === "node") return r.typeName;
  return "aggregate";
}

function resolveExpr(
  catalog: Catalog,
  e: Expr,
  ctx: Ctx,
  params: ReadonlyMap<string, PropType>,
): Resolved {
  switch (e.kind) {
    case "now":
      return { kind: "scalar", type: scalarType("DateTime", false) };
    case "prop": {
      const t = ctx.bindings.get(e.variable);
      if (t === undefined) fail(`T6: variable \`$${e.variable}\` is not bound`);
      const node = catalog.nodeTypes.get(t);
      if (node === undefined) fail(`T6: type \`${t}\` not found in catalog`);
      const p = node.properties.get(e.property);
      if (p === undefined) fail(`T6: type \`${t}\` has no property \`${e.property}\``);
      return { kind: "scalar", type: p };
    }
    case "variable": {
      const p = params.get(e.name);
      if (p !== undefined) return { kind: "scalar", type: p };
      const t = ctx.bindings.get(e.name);
      if (t !== undefined) return { kind: "node", typeName: t };
      return fail(`variable \`$${e.name}\` is not bound`);
    }
    case "literal":
      return { kind: "scalar", type: literalType(e.value) };
    case "aggregate": {
      const a = resolveExpr(catalog, e.arg, ctx, params);
      if (a.kind === "scalar") {
        if ((e.func === "sum" || e.func === "avg") && (a.type.list || !isNumeric(a.type.scalar))) {
          fail(`T8: ${e.func} requires numeric type, got ${displayName(a.type)}`);
        }
        if (
          (e.func === "min" || e.func === "max") &&
          (a.type.list || (!isNumeric(a.type.scalar) && a.type.scalar !== "String"))
        ) {
          fail(`T8: ${e.func} requires numeric or string type, got ${displayName(a.type)}`);
        }
      }
      return { kind: "aggregate" };
    }
    case "alias":
      return ctx.aliases.get(e.name) ?? { kind: "aggregate" };
  }
}

function checkMutation(catalog: Catalog, m: Mutation, params: ReadonlyMap<string, PropType>): void {
  const dupCheck = (as: readonly { property: string }[]) => {
    const seen = new Set<string>();
    for (const a of as) {
      if (seen.has(a.property)) fail(`T13: duplicate assignment for property \`${a.property}\``);
      seen.add(a.property);
    }
  };
  const stringType = scalarType("String", false);
  if (m.kind === "insert") {
    if (m.assignments.length === 0) fail("T10: insert mutation requires at least one assignment");
    dupCheck(m.assignments);
    const node = catalog.nodeTypes.get(m.typeName);
    if (node !== undefined) {
      for (const a of m.assignments) {
        const t = node.properties.get(a.property);
        if (t === undefined) fail(`T11: type \`${m.typeName}\` has no property \`${a.property}\``);
        checkMatchValue(a.value, params, t, a.property);
      }
      const assigned = new Set(m.assignments.map((a) => a.property));
      for (const [name, t] of node.properties) {
        if (!t.nullable && !assigned.has(name)) {
          fail(`T12: insert for \`${m.typeName}\` must provide non-nullable property \`${name}\``);
        }
      }
      return;
    }
    const edge = catalog.edgeTypes.get(m.typeName);
    if (edge === undefined) fail(`T10: unknown node/edge type \`${m.typeName}\``);
    let hasFrom = false;
    let hasTo = false;
    for (const a of m.assignments) {
      if (a.property === "from" || a.property === "to") {
        if (a.property === "from") hasFrom = true;
        else hasTo = true;
        checkMatchValue(a.value, params, stringType, a.property);
        continue;
      }
      const t = edge.properties.get(a.property);
      if (t === undefined) fail(`T11: type \`${m.typeName}\` has no property \`${a.property}\``);
      checkMatchValue(a.value, params, t, a.property);
    }
    if (!hasFrom) fail(`T12: insert for \`${m.typeName}\` must provide required endpoint \`from\``);
    if (!hasTo) fail(`T12: insert for \`${m.typeName}\` must provide required endpoint \`to\``);
    for (const [name, t] of edge.properties) {
      if (!t.nullable && !m.assignments.some((a) => a.property === name)) {
        fail(`T12: insert for \`${m.typeName}\` must provide non-nullable property \`${name}\``);
      }
    }
    return;
  }
  if (m.kind === "update") {
    const node = catalog.nodeTypes.get(m.typeName);
    if (node === undefined) {
      if (catalog.edgeTypes.has(m.typeName)) {
        fail(`T16: update mutation for edge type \`${m.typeName}\` is not supported`);
      }
      fail(`T10: unknown node/edge type \`${m.typeName}\``);
    }
    if (m.assignments.length === 0) fail("T10: update mutation requires at least one assignment");
    dupCheck(m.assignments);
    for (const a of m.assignments) {
      const t = node.properties.get(a.property);
      if (t === undefined) fail(`T11: type \`${m.typeName}\` has no property \`${a.property}\``);
      checkMatchValue(a.value, params, t, a.property);
    }
    checkPredicate(m.typeName, m.where, node.properties, params, false);
    return;
  }
  const node = catalog.nodeTypes.get(m.typeName);
  if (node !== undefined) {
    checkPredicate(m.typeName, m.where, node.properties, params, false);
    return;
  }
  const edge = catalog.edgeTypes.get(m.typeName);
  if (edge === undefined) fail(`T10: unknown node/edge type \`${m.typeName}\``);
  checkPredicate(m.typeName, m.where, edge.properties, params, true);
}

function checkPredicate(
  typeName: string,
  p: Predicate,
  props: ReadonlyMap<string, PropType>,
  params: ReadonlyMap<string, PropType>,
  isEdge: boolean,
): void {
  if (isEdge && (p.property === "from" || p.property === "to")) {
    checkMatchValue(p.value, params, scalarType("String", false), p.property);
    return;
  }
  const t = props.get(p.property);
  if (t === undefined) fail(`T11: type \`${typeName}\` has no property \`${p.property}\``);
  if (!isEdge && t.scalar === "Blob") {
    fail(`T11: blob property \`${p.property}\` cannot be used in WHERE predicates`);
  }
  checkMatchValue(p.value, params, t, p.property);
}

function checkMatchValue(
  v: MatchValue,
  params: ReadonlyMap<string, PropType>,
  expected: PropType,
  prop: string,
): void {
  if (v.kind === "literal") {
    checkLiteral(v.value, expected, prop);
    return;
  }
  if (v.kind === "now") {
    checkNow(expected, prop);
    return;
  }
  const actual = params.get(v.name);
  if (actual === undefined) {
    fail(`T14: mutation variable \`$${v.name}\` must be a declared query parameter`);
  }
  const blobFromString = expected.scalar === "Blob" && actual.scalar === "String" && !actual.list;
  if (!typesCompatible(actual, expected) && !blobFromString) {
    fail(
      `T7: cannot assign/compare ${displayName(actual)} with ${displayName(expected)} for property \`${prop}\``,
    );
  }
}
