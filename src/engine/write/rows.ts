import { EngineError } from "../errors.ts";
import type { Catalog, EdgeType, NodeType } from "../schema/catalog.ts";
import { displayName, isNumeric, isVector, type PropType } from "../schema/types.ts";
import type { Row } from "../store/tables.ts";

export function lookupType(catalog: Catalog, typeName: string): NodeType | EdgeType {
  const t = catalog.nodeTypes.get(typeName) ?? catalog.edgeTypes.get(typeName);
  if (t === undefined) {
    throw new EngineError("invalid_argument", `unknown node/edge type \`${typeName}\``);
  }
  return t;
}

const INT_RANGES: Record<string, [number, number]> = {
  I32: [-2_147_483_648, 2_147_483_647],
  U32: [0, 4_294_967_295],
  I64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  U64: [0, Number.MAX_SAFE_INTEGER],
};

function bad(where: string, t: PropType, v: unknown): EngineError {
  return new EngineError(
    "invalid_argument",
    `${where}: expected ${displayName(t)}, got ${v === null ? "null" : JSON.stringify(v)}`,
  );
}

function checkScalar(where: string, t: PropType, v: unknown): void {
  const s = t.scalar;
  if (isVector(s)) {
    if (!Array.isArray(v) || v.length !== s.Vector || v.some((x) => typeof x !== "number")) {
      throw bad(where, t, v);
    }
    return;
  }
  if (isNumeric(s)) {
    if (typeof v !== "number" || !Number.isFinite(v)) throw bad(where, t, v);
    const range = INT_RANGES[s];
    if (range && (!Number.isInteger(v) || v < range[0] || v > range[1])) throw bad(where, t, v);
    return;
  }
  switch (s) {
    case "Bool":
      if (typeof v !== "boolean") throw bad(where, t, v);
      return;
    case "Date":
      if (typeof v !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(v)) throw bad(where, t, v);
      return;
    case "DateTime":
      if (typeof v !== "string" || !/^\d{4}-\d{2}-\d{2}T/.test(v)) throw bad(where, t, v);
      return;
    default:
      if (typeof v !== "string") throw bad(where, t, v);
      if (t.enum_values !== null && !t.enum_values.includes(v)) {
        throw new EngineError(
          "invalid_argument",
          `${where}: expects one of [${t.enum_values.join(", ")}], got '${v}'`,
        );
      }
  }
}

/** Checks one value against its property type; null/absent only where nullable. */
export function checkValue(where: string, t: PropType, v: unknown): unknown {
  if (v === null || v === undefined) {
    if (!t.nullable) {
      throw new EngineError("invalid_argument", `${where}: non-nullable property got null`);
    }
    return null;
  }
  if (t.list) {
    if (!Array.isArray(v)) throw bad(where, t, v);
    for (const item of v) checkScalar(where, t, item);
    return v;
  }
  checkScalar(where, t, v);
  return v;
}

/** A stored row shaped by a type: `id` (+ `src`, `dst`), then every property, null-filled. */
export function projectRow(t: NodeType | EdgeType, row: Row): Row {
  const out: Row = { id: row.id ?? null };
  if (t.kind === "edge") {
    out.src = row.src ?? null;
    out.dst = row.dst ?? null;
  }
  for (const name of t.properties.keys()) out[name] = row[name] ?? null;
  return out;
}
