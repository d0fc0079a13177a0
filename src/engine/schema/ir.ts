import { sha256Hex } from "../../util/digest.ts";
import { memoByObject } from "../../util/memo.ts";
import type {
  Annotation,
  Cardinality,
  Constraint,
  ConstraintBound,
  PropDecl,
  SchemaFile,
} from "./ast.ts";
import { isVector, type PropType } from "./types.ts";

/**
 * The accepted compiled schema, as persisted in `_schema.ir.json`. Canonical by construction:
 * types, properties, annotations and constraints are sorted, so comments, whitespace and
 * declaration order never change it (nor its hash).
 */
export interface SchemaIR {
  readonly ir_version: 1;
  readonly interfaces: readonly InterfaceIR[];
  readonly nodes: readonly NodeIR[];
  readonly edges: readonly EdgeIR[];
}

export interface InterfaceIR {
  readonly name: string;
  readonly type_id: number;
  readonly properties: readonly PropertyIR[];
}

export interface NodeIR {
  readonly name: string;
  readonly type_id: number;
  readonly annotations: readonly Annotation[];
  readonly implements: readonly string[];
  readonly properties: readonly PropertyIR[];
  readonly constraints: readonly Constraint[];
}

export interface EdgeIR {
  readonly name: string;
  readonly type_id: number;
  readonly from_type: string;
  readonly to_type: string;
  readonly cardinality: Cardinality;
  readonly annotations: readonly Annotation[];
  readonly properties: readonly PropertyIR[];
  readonly constraints: readonly Constraint[];
}

export interface PropertyIR {
  readonly name: string;
  readonly prop_id: number;
  readonly prop_type: PropType;
  readonly annotations: readonly Annotation[];
}

export const SCHEMA_IR_VERSION = 1;

export type IrBuild = { ok: true; ir: SchemaIR } | { ok: false; message: string };

/** 32-bit FNV-1a, never 0: upstream's stable type and property ids. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h === 0 ? 1 : h;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function buildSchemaIr(schema: SchemaFile): IrBuild {
  const seenTypes = new Map<number, string>();
  const interfaces: InterfaceIR[] = [];
  const nodes: NodeIR[] = [];
  const edges: EdgeIR[] = [];
  const claimType = (kind: string, name: string): number | string => {
    const id = fnv1a32(`${kind}:${name}`);
    const prev = seenTypes.get(id);
    if (prev !== undefined) {
      return `catalog error: type id collision: '${prev}' and '${name}' both hash to ${id}`;
    }
    seenTypes.set(id, name);
    return id;
  };
  for (const d of schema.declarations) {
    const id = claimType(d.kind, d.name);
    if (typeof id === "string") return { ok: false, message: id };
    const props = canonicalProperties(d.kind, d.name, d.properties);
    if (typeof props === "string") return { ok: false, message: props };
    if (d.kind === "interface") {
      interfaces.push({ name: d.name, type_id: id, properties: props });
    } else if (d.kind === "node") {
      nodes.push({
        name: d.name,
        type_id: id,
        annotations: canonicalAnnotations(d.annotations),
        implements: [...new Set(d.implements)].sort(cmp),
        properties: props,
        constraints: canonicalConstraints(d.constraints),
      });
    } else {
      edges.push({
        name: d.name,
        type_id: id,
        from_type: d.from_type,
        to_type: d.to_type,
        cardinality: { min: d.cardinality.min, max: d.cardinality.max },
        annotations: canonicalAnnotations(d.annotations),
        properties: props,
        constraints: canonicalConstraints(d.constraints),
      });
    }
  }
  const byName = (a: { name: string }, b: { name: string }) => cmp(a.name, b.name);
  return {
    ok: true,
    ir: canonicalIr({
      ir_version: SCHEMA_IR_VERSION,
      interfaces: interfaces.sort(byName),
      nodes: nodes.sort(byName),
      edges: edges.sort(byName),
    }),
  };
}

function canonicalProperties(
  kind: string,
  owner: string,
  properties: readonly PropDecl[],
): PropertyIR[] | string {
  const seen = new Map<number, string>();
  const out: PropertyIR[] = [];
  for (const p of properties) {
    const id = fnv1a32(`${kind}:${owner}:${p.name}`);
    const prev = seen.get(id);
    if (prev !== undefined) {
      return `catalog error: property id collision on ${owner}: '${prev}' and '${p.name}' both hash to ${id}`;
    }
    seen.set(id, p.name);
    out.push({
      name: p.name,
      prop_id: id,
      prop_type: p.prop_type,
      annotations: canonicalAnnotations(p.annotations),
    });
  }
  return out.sort((a, b) => cmp(a.name, b.name));
}

function canonicalAnnotations(anns: readonly Annotation[]): Annotation[] {
  // Rust orders `None` before any `Some`.
  const valueKey = (v: string | null) => (v === null ? "" : `\u0001${v}`);
  return [...anns].sort((a, b) => cmp(a.name, b.name) || cmp(valueKey(a.value), valueKey(b.value)));
}

function canonicalConstraints(cs: readonly Constraint[]): Constraint[] {
  return cs.map(normalizeConstraint).sort((a, b) => cmp(constraintKey(a), constraintKey(b)));
}

function normalizeConstraint(c: Constraint): Constraint {
  if ("Key" in c) return { Key: [...c.Key].sort(cmp) };
  if ("Unique" in c) return { Unique: [...c.Unique].sort(cmp) };
  if ("Index" in c) return { Index: [...c.Index].sort(cmp) };
  return c;
}

function debugBound(b: ConstraintBound | null): string {
  if (b === null) return "None";
  if ("Integer" in b) return `Some(Integer(${b.Integer}))`;
  const f = Number.isInteger(b.Float) ? `${b.Float}.0` : String(b.Float);
  return `Some(Float(${f}))`;
}

/** Upstream's constraint identity (also the text of "adding constraint '…'" rejections). */
export function constraintKey(c: Constraint): string {
  if ("Key" in c) return `key:${c.Key.join(",")}`;
  if ("Unique" in c) return `unique:${c.Unique.join(",")}`;
  if ("Index" in c) return `index:${c.Index.join(",")}`;
  if ("Range" in c) {
    return `range:${c.Range.property}:${debugBound(c.Range.min)}:${debugBound(c.Range.max)}`;
  }
  return `check:${c.Check.property}:${c.Check.pattern}`;
}

/**
 * Rebuilds an IR with every object's keys in one fixed order, so that the JSON text (and so
 * the hash) depends only on content, even for an IR read back from the store.
 */
export function canonicalIr(ir: SchemaIR): SchemaIR {
  return canonicalIrMemo(ir);
}

const canonicalIrMemo = memoByObject((ir: SchemaIR): SchemaIR => {
  const ann = (a: Annotation): Annotation =>
    a.kwargs === undefined || Object.keys(a.kwargs).length === 0
      ? { name: a.name, value: a.value }
      : {
          name: a.name,
          value: a.value,
          kwargs: Object.fromEntries(Object.entries(a.kwargs).sort(([x], [y]) => cmp(x, y))),
        };
  const pt = (t: PropType): PropType => ({
    scalar: isVector(t.scalar) ? { Vector: t.scalar.Vector } : t.scalar,
    nullable: t.nullable,
    list: t.list,
    enum_values: t.enum_values === null ? null : [...t.enum_values],
  });
  const prop = (p: PropertyIR): PropertyIR => ({
    name: p.name,
    prop_id: p.prop_id,
    prop_type: pt(p.prop_type),
    annotations: p.annotations.map(ann),
  });
  const bound = (b: ConstraintBound | null): ConstraintBound | null =>
    b === null ? null : "Integer" in b ? { Integer: b.Integer } : { Float: b.Float };
  const con = (c: Constraint): Constraint => {
    if ("Key" in c) return { Key: [...c.Key] };
    if ("Unique" in c) return { Unique: [...c.Unique] };
    if ("Index" in c) return { Index: [...c.Index] };
    if ("Range" in c) {
      return {
        Range: { property: c.Range.property, min: bound(c.Range.min), max: bound(c.Range.max) },
      };
    }
    return { Check: { property: c.Check.property, pattern: c.Check.pattern } };
  };
  return {
    ir_version: 1,
    interfaces: ir.interfaces.map((i) => ({
      name: i.name,
      type_id: i.type_id,
      properties: i.properties.map(prop),
    })),
    nodes: ir.nodes.map((n) => ({
      name: n.name,
      type_id: n.type_id,
      annotations: n.annotations.map(ann),
      implements: [...n.implements],
      properties: n.properties.map(prop),
      constraints: n.constraints.map(con),
    })),
    edges: ir.edges.map((e) => ({
      name: e.name,
      type_id: e.type_id,
      from_type: e.from_type,
      to_type: e.to_type,
      cardinality: { min: e.cardinality.min, max: e.cardinality.max },
      annotations: e.annotations.map(ann),
      properties: e.properties.map(prop),
      constraints: e.constraints.map(con),
    })),
  };
});

/** `sha256:<hex>` of the compact canonical JSON, as upstream's `schema_ir_hash`. */
export function schemaIrHash(ir: SchemaIR): string {
  return schemaIrHashMemo(ir);
}

const schemaIrHashMemo = memoByObject(
  (ir: SchemaIR): string => `sha256:${sha256Hex(JSON.stringify(canonicalIr(ir)))}`,
  { freeze: false },
);

export function schemaIrPrettyJson(ir: SchemaIR): string {
  return JSON.stringify(canonicalIr(ir), null, 2);
}
