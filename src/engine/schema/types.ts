/**
 * Property types of the `.pg` language. The JSON shape (`scalar`, `nullable`, `list`,
 * `enum_values`, and `{"Vector": n}` for vectors) is the one upstream persists in
 * `_schema.ir.json`, so the compiled-schema hash is over the same structure.
 */
export const BASE_SCALARS = [
  "String",
  "Bool",
  "I32",
  "I64",
  "U32",
  "U64",
  "F32",
  "F64",
  "Date",
  "DateTime",
  "Blob",
] as const;

export type BaseScalar = (typeof BASE_SCALARS)[number];
export type ScalarType = BaseScalar | { readonly Vector: number };

export interface PropType {
  readonly scalar: ScalarType;
  readonly nullable: boolean;
  readonly list: boolean;
  readonly enum_values: readonly string[] | null;
}

export function isBaseScalar(s: string): s is BaseScalar {
  return (BASE_SCALARS as readonly string[]).includes(s);
}

export function isVector(s: ScalarType): s is { readonly Vector: number } {
  return typeof s === "object";
}

export function scalarName(s: ScalarType): string {
  return isVector(s) ? `Vector(${s.Vector})` : s;
}

export function isNumeric(s: ScalarType): boolean {
  return s === "I32" || s === "I64" || s === "U32" || s === "U64" || s === "F32" || s === "F64";
}

export function scalarType(scalar: ScalarType, nullable: boolean): PropType {
  return { scalar, nullable, list: false, enum_values: null };
}

export function listType(scalar: ScalarType, nullable: boolean): PropType {
  return { scalar, nullable, list: true, enum_values: null };
}

export function enumType(values: readonly string[], nullable: boolean): PropType {
  const sorted = [...new Set(values)].sort();
  return { scalar: "String", nullable, list: false, enum_values: sorted };
}

export function displayName(t: PropType): string {
  const base = t.enum_values !== null ? `enum(${t.enum_values.join(", ")})` : scalarName(t.scalar);
  const wrapped = t.list ? `[${base}]` : base;
  return t.nullable ? `${wrapped}?` : wrapped;
}

export function scalarEquals(a: ScalarType, b: ScalarType): boolean {
  if (isVector(a) || isVector(b)) return isVector(a) && isVector(b) && a.Vector === b.Vector;
  return a === b;
}

export function propTypeEquals(a: PropType, b: PropType): boolean {
  if (!scalarEquals(a.scalar, b.scalar) || a.nullable !== b.nullable || a.list !== b.list) {
    return false;
  }
  if (a.enum_values === null || b.enum_values === null) return a.enum_values === b.enum_values;
  return (
    a.enum_values.length === b.enum_values.length &&
    a.enum_values.every((v, i) => v === b.enum_values?.[i])
  );
}

/**
 * Whether a value of type `a` may be compared with or assigned to `b` (nullability aside):
 * numeric types are mutually compatible, everything else must match exactly.
 */
export function typesCompatible(a: PropType, b: PropType): boolean {
  if (a.list !== b.list) return false;
  return scalarEquals(a.scalar, b.scalar) || (isNumeric(a.scalar) && isNumeric(b.scalar));
}

/** `String`, `I32?`, `[Date]`, `Vector(4)` as written in `.gq` parameter declarations. */
export function propTypeFromParamName(name: string, nullable: boolean): PropType | null {
  if (name.startsWith("[") && name.endsWith("]")) {
    const inner = name.slice(1, -1);
    const s = scalarFromName(inner);
    return s === null ? null : listType(s, nullable);
  }
  const s = scalarFromName(name);
  return s === null ? null : scalarType(s, nullable);
}

export function scalarFromName(name: string): ScalarType | null {
  const v = /^Vector\(([0-9]+)\)$/.exec(name);
  if (v) {
    const dim = Number(v[1]);
    return dim > 0 && dim <= 2_147_483_647 ? { Vector: dim } : null;
  }
  return isBaseScalar(name) ? name : null;
}
