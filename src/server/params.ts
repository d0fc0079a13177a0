import { type Param, propTypeFromParamName } from "./engine.ts";

/**
 * JSON request params → query params, with upstream's checks and messages
 * (`json_params_to_param_map`, standard mode). Values stay plain JSON values: the engine
 * model compares them by value, so a typed literal wrapper would add nothing.
 */
export type ParamValue = null | boolean | number | string | ParamValue[];

export type ParamsResult =
  | { readonly ok: true; readonly params: Record<string, ParamValue> }
  | { readonly ok: false; readonly message: string };

class ParamError extends Error {}

function fail(message: string): never {
  throw new ParamError(message);
}

function jsonTypeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  switch (typeof v) {
    case "boolean":
      return "boolean";
    case "number":
      return "number";
    case "string":
      return "string";
    default:
      return "object";
  }
}

const I64_MAX = 9_223_372_036_854_775_807n;
const I64_MIN = -9_223_372_036_854_775_808n;
const U64_MAX = 18_446_744_073_709_551_615n;

/** serde_json's `as_i64`: an integer number within i64. */
function asI64(v: number): number | null {
  if (!Number.isInteger(v)) return null;
  const b = BigInt(v);
  return b >= I64_MIN && b <= I64_MAX ? v : null;
}

function parseI64(key: string, v: unknown): number {
  if (typeof v === "number") {
    const n = asI64(v);
    if (n === null) fail(`param '${key}': expected integer number`);
    return n;
  }
  if (typeof v === "string") {
    if (/^[+-]?[0-9]+$/.test(v)) {
      const b = BigInt(v);
      if (b >= I64_MIN && b <= I64_MAX) return Number(b);
    }
    fail(`param '${key}': expected integer string, got '${v}'`);
  }
  fail(`param '${key}': expected integer`);
}

function parseU64(key: string, v: unknown): bigint {
  if (typeof v === "number") {
    if (!Number.isInteger(v) || v < 0) fail(`param '${key}': expected unsigned integer number`);
    return BigInt(v);
  }
  if (typeof v === "string") {
    if (/^\+?[0-9]+$/.test(v)) {
      const b = BigInt(v);
      if (b <= U64_MAX) return b;
    }
    fail(`param '${key}': expected unsigned integer string, got '${v}'`);
  }
  fail(`param '${key}': expected unsigned integer`);
}

function typed(key: string, v: unknown, typeName: string): ParamValue {
  switch (typeName) {
    case "String":
      if (typeof v !== "string") fail(`param '${key}': expected string, got ${jsonTypeName(v)}`);
      return v;
    case "Blob":
      if (typeof v !== "string") {
        fail(`param '${key}': expected blob URI string, got ${jsonTypeName(v)}`);
      }
      return v;
    case "Date":
      if (typeof v !== "string") fail(`param '${key}': expected date string`);
      return v;
    case "DateTime":
      if (typeof v !== "string") fail(`param '${key}': expected datetime string`);
      return v;
    case "I32": {
      const n = parseI64(key, v);
      if (n < -(2 ** 31) || n > 2 ** 31 - 1) fail(`param '${key}': value ${n} exceeds I32`);
      return n;
    }
    case "I64":
      return parseI64(key, v);
    case "U32": {
      const n = parseU64(key, v);
      if (n > 4_294_967_295n) fail(`param '${key}': value ${n} exceeds U32`);
      return Number(n);
    }
    case "U64": {
      const n = parseU64(key, v);
      if (n > I64_MAX) {
        fail(`param '${key}': value ${n} exceeds current engine range for U64 (max ${I64_MAX})`);
      }
      return Number(n);
    }
    case "F32":
    case "F64":
      if (typeof v !== "number") fail(`param '${key}': expected float`);
      return v;
    case "Bool":
      if (typeof v !== "boolean") fail(`param '${key}': expected boolean`);
      return v;
    default:
      break;
  }
  if (typeName.startsWith("[") && typeName.endsWith("]")) {
    const item = typeName.slice(1, -1).trim();
    if (!Array.isArray(v)) fail(`param '${key}': expected array for ${typeName}`);
    return v.map((x) => typed(key, x, item));
  }
  if (typeName.startsWith("Vector(")) {
    const m = /^Vector\(([0-9]+)\)$/.exec(typeName);
    const dim = m ? Number(m[1]) : 0;
    if (!(dim > 0)) fail(`param '${key}': invalid vector type '${typeName}'`);
    if (!Array.isArray(v)) fail(`param '${key}': expected array for ${typeName}`);
    if (v.length !== dim) {
      fail(`param '${key}': expected ${dim} values for ${typeName}, got ${v.length}`);
    }
    return v.map((x) => {
      if (typeof x !== "number") fail(`param '${key}': vector element is not numeric`);
      return x;
    });
  }
  if (typeof v === "string") return v;
  fail(`param '${key}': expected string for type '${typeName}', got ${jsonTypeName(v)}`);
}

function inferred(key: string, v: unknown): ParamValue {
  if (v === null || typeof v === "string" || typeof v === "boolean" || typeof v === "number") {
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => inferred(key, x));
  fail(`param '${key}': object is not supported`);
}

export function paramsFromJson(declared: readonly Param[], json: unknown): ParamsResult {
  const out: Record<string, ParamValue> = {};
  const fillNullables = () => {
    for (const p of declared) if (p.nullable && !Object.hasOwn(out, p.name)) out[p.name] = null;
  };
  try {
    if (json === undefined || json === null) {
      fillNullables();
      return { ok: true, params: out };
    }
    if (typeof json !== "object" || Array.isArray(json)) {
      return { ok: false, message: "params must be a JSON object" };
    }
    for (const [key, value] of Object.entries(json)) {
      const decl = declared.find((p) => p.name === key);
      if (decl === undefined) {
        out[key] = inferred(key, value);
      } else if (value === null) {
        if (!decl.nullable) fail(`param '${key}': null is not accepted for non-nullable parameter`);
        out[key] = null;
      } else {
        out[key] = typed(key, value, decl.typeName);
      }
    }
    fillNullables();
    return { ok: true, params: out };
  } catch (e) {
    if (e instanceof ParamError) return { ok: false, message: e.message };
    throw e;
  }
}

/** The catalog's view of one parameter (`GET /graphs/{id}/queries`). */
export interface ParamDescriptor {
  name: string;
  kind: string;
  item_kind?: string;
  vector_dim?: number;
  nullable: boolean;
}

function scalarKind(name: string | { Vector: number }): string {
  if (typeof name === "object") return "vector";
  switch (name) {
    case "String":
      return "string";
    case "Bool":
      return "bool";
    case "I32":
    case "U32":
      return "int";
    case "I64":
    case "U64":
      return "bigint";
    case "F32":
    case "F64":
      return "float";
    case "Date":
      return "date";
    case "DateTime":
      return "datetime";
    case "Blob":
      return "blob";
    default:
      return "string";
  }
}

export function paramDescriptor(p: Param): ParamDescriptor {
  const t = propTypeFromParamName(p.typeName, p.nullable);
  if (t === null) return { name: p.name, kind: "string", nullable: p.nullable };
  if (t.list)
    return { name: p.name, kind: "list", item_kind: scalarKind(t.scalar), nullable: p.nullable };
  if (typeof t.scalar === "object") {
    return { name: p.name, kind: "vector", vector_dim: t.scalar.Vector, nullable: p.nullable };
  }
  return { name: p.name, kind: scalarKind(t.scalar), nullable: p.nullable };
}
