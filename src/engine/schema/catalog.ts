import type { Cardinality, Constraint } from "./ast.ts";
import type { SchemaIR } from "./ir.ts";
import type { PropType } from "./types.ts";

/** What queries, validation and writes need to know about one node type. */
export interface NodeType {
  readonly kind: "node";
  readonly name: string;
  readonly implements: readonly string[];
  /** In IR order (sorted by name). */
  readonly properties: ReadonlyMap<string, PropType>;
  /** The `@key` columns, or null when the type has no key. */
  readonly key: readonly string[] | null;
  readonly unique: readonly (readonly string[])[];
  readonly indices: readonly (readonly string[])[];
}

export interface EdgeType {
  readonly kind: "edge";
  readonly name: string;
  readonly from_type: string;
  readonly to_type: string;
  readonly cardinality: Cardinality;
  readonly properties: ReadonlyMap<string, PropType>;
  readonly unique: readonly (readonly string[])[];
  readonly indices: readonly (readonly string[])[];
}

export interface Catalog {
  readonly nodeTypes: ReadonlyMap<string, NodeType>;
  readonly edgeTypes: ReadonlyMap<string, EdgeType>;
  /** Lower-cased edge name → declared name: queries name edges case-insensitively. */
  readonly edgeNameIndex: ReadonlyMap<string, string>;
  readonly interfaces: ReadonlyMap<string, ReadonlyMap<string, PropType>>;
}

export type CatalogBuild = { ok: true; catalog: Catalog } | { ok: false; message: string };

function constraintsOf(cs: readonly Constraint[]) {
  let key: readonly string[] | null = null;
  const unique: (readonly string[])[] = [];
  const indices: (readonly string[])[] = [];
  for (const c of cs) {
    if ("Key" in c) {
      key = c.Key;
      indices.push(c.Key);
    } else if ("Unique" in c) {
      unique.push(c.Unique);
    } else if ("Index" in c) {
      indices.push(c.Index);
    }
  }
  return { key, unique, indices };
}

export function buildCatalog(ir: SchemaIR): CatalogBuild {
  const nodeTypes = new Map<string, NodeType>();
  const edgeTypes = new Map<string, EdgeType>();
  const edgeNameIndex = new Map<string, string>();
  const interfaces = new Map<string, ReadonlyMap<string, PropType>>();
  for (const i of ir.interfaces) {
    interfaces.set(i.name, new Map(i.properties.map((p) => [p.name, p.prop_type])));
  }
  for (const n of ir.nodes) {
    if (nodeTypes.has(n.name)) {
      return { ok: false, message: `catalog error: duplicate node type: ${n.name}` };
    }
    nodeTypes.set(n.name, {
      kind: "node",
      name: n.name,
      implements: n.implements,
      properties: new Map(n.properties.map((p) => [p.name, p.prop_type])),
      ...constraintsOf(n.constraints),
    });
  }
  for (const e of ir.edges) {
    if (edgeTypes.has(e.name)) {
      return { ok: false, message: `catalog error: duplicate edge type: ${e.name}` };
    }
    if (!nodeTypes.has(e.from_type)) {
      return {
        ok: false,
        message: `catalog error: edge ${e.name} references unknown source type: ${e.from_type}`,
      };
    }
    if (!nodeTypes.has(e.to_type)) {
      return {
        ok: false,
        message: `catalog error: edge ${e.name} references unknown target type: ${e.to_type}`,
      };
    }
    const lower = e.name.toLowerCase();
    const existing = edgeNameIndex.get(lower);
    if (existing !== undefined && existing !== e.name) {
      return {
        ok: false,
        message: `catalog error: edge name collision after case folding: '${e.name}' conflicts with '${existing}'`,
      };
    }
    edgeNameIndex.set(lower, e.name);
    const { unique, indices } = constraintsOf(e.constraints);
    edgeTypes.set(e.name, {
      kind: "edge",
      name: e.name,
      from_type: e.from_type,
      to_type: e.to_type,
      cardinality: e.cardinality,
      properties: new Map(e.properties.map((p) => [p.name, p.prop_type])),
      unique,
      indices,
    });
  }
  return { ok: true, catalog: { nodeTypes, edgeTypes, edgeNameIndex, interfaces } };
}

export function lookupEdge(catalog: Catalog, name: string): EdgeType | undefined {
  return (
    catalog.edgeTypes.get(name) ??
    catalog.edgeTypes.get(catalog.edgeNameIndex.get(name.toLowerCase()) ?? "")
  );
}

/** `node:Person` / `edge:Knows`: how manifests, sidecars and plans name a type's table. */
export function tableKeyOf(kind: "node" | "edge", name: string): string {
  return `${kind}:${name}`;
}

/** The table keys a catalog implies (upstream's `expected_table_keys`). */
export function expectedTableKeys(ir: SchemaIR): string[] {
  return [
    ...ir.nodes.map((n) => tableKeyOf("node", n.name)),
    ...ir.edges.map((e) => tableKeyOf("edge", e.name)),
  ].sort();
}
