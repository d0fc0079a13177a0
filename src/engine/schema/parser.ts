import { type Cursor, type PositionedError, runParser } from "../lang/cursor.ts";
import type {
  Annotation,
  Cardinality,
  Constraint,
  ConstraintBound,
  EdgeDecl,
  InterfaceDecl,
  NodeDecl,
  PropDecl,
  SchemaDecl,
  SchemaFile,
} from "./ast.ts";
import {
  displayName,
  enumType,
  isBaseScalar,
  isNumeric,
  isVector,
  listType,
  type PropType,
  propTypeEquals,
  type ScalarType,
  scalarType,
} from "./types.ts";

export type SchemaParse =
  | { readonly ok: true; readonly schema: SchemaFile }
  | { readonly ok: false; readonly error: PositionedError };

const CONSTRAINT_NAMES = ["key", "unique", "index", "range", "check"] as const;

/**
 * Parses `.pg` source: grammar, interface resolution, then the annotation and constraint
 * rules, in upstream's order. Never throws; a failure is a positioned diagnostic whose
 * message starts with "parse error: ".
 */
export function parseSchema(source: string): SchemaParse {
  const r = runParser(source, (c) => {
    const declarations: SchemaDecl[] = [];
    while (!c.atEnd()) declarations.push(parseDecl(c));
    const resolved = resolveInterfaces(c, declarations);
    validateAnnotations(c, resolved);
    validateConstraints(c, resolved);
    return { declarations: resolved };
  });
  return r.ok ? { ok: true, schema: r.value } : { ok: false, error: r.error };
}

function parseDecl(c: Cursor): SchemaDecl {
  c.skipTrivia();
  const offset = c.pos;
  if (c.tryKeyword("interface")) return parseInterface(c, offset);
  if (c.tryKeyword("node")) return parseNode(c, offset);
  if (c.tryKeyword("edge")) return parseEdge(c, offset);
  return c.expected("'interface', 'node' or 'edge'");
}

function parseInterface(c: Cursor, offset: number): InterfaceDecl {
  const name = c.typeName();
  c.expectPunct("{");
  const properties: PropDecl[] = [];
  while (!c.tryPunct("}")) properties.push(parseProp(c));
  return { kind: "interface", name, properties, offset };
}

function parseNode(c: Cursor, offset: number): NodeDecl {
  const name = c.typeName();
  const annotations: Annotation[] = [];
  while (isAnnotationStart(c)) annotations.push(parseAnnotation(c));
  const impls: string[] = [];
  if (c.tryKeyword("implements")) {
    impls.push(c.typeName());
    while (c.tryPunct(",")) impls.push(c.typeName());
  }
  c.expectPunct("{");
  const { properties, constraints } = parseBody(c);
  return {
    kind: "node",
    name,
    annotations,
    implements: impls,
    properties,
    constraints: [...constraints, ...desugar(properties)],
    offset,
  };
}

function parseEdge(c: Cursor, offset: number): EdgeDecl {
  const name = c.typeName();
  c.expectPunct(":");
  const from = c.typeName();
  c.expectPunct("->");
  const to = c.typeName();
  let cardinality: Cardinality = { min: 0, max: null };
  if (isCardinalityStart(c)) cardinality = parseCardinality(c);
  const annotations: Annotation[] = [];
  while (isAnnotationStart(c)) annotations.push(parseAnnotation(c));
  let properties: PropDecl[] = [];
  let constraints: Constraint[] = [];
  if (c.tryPunct("{")) ({ properties, constraints } = parseBody(c));
  return {
    kind: "edge",
    name,
    from_type: from,
    to_type: to,
    cardinality,
    annotations,
    properties,
    constraints: [...constraints, ...desugar(properties)],
    offset,
  };
}

function parseBody(c: Cursor): { properties: PropDecl[]; constraints: Constraint[] } {
  const properties: PropDecl[] = [];
  const constraints: Constraint[] = [];
  for (;;) {
    if (c.tryPunct("}")) return { properties, constraints };
    if (c.peekPunct("@")) constraints.push(parseBodyConstraint(c));
    else if (c.peekIdent()) properties.push(parseProp(c));
    else c.expected("a property declaration, a body constraint or '}'");
  }
}

function isCardinalityStart(c: Cursor): boolean {
  if (!c.peekPunct("@card")) return false;
  const save = c.pos;
  c.pos += "@card".length;
  const paren = c.peekPunct("(");
  c.pos = save;
  return paren;
}

function parseCardinality(c: Cursor): Cardinality {
  c.expectPunct("@card");
  c.expectPunct("(");
  const at = c.pos;
  const min = Number(c.integerText());
  c.expectPunct("..");
  const max = c.peekDigit() ? Number(c.integerText()) : null;
  c.expectPunct(")");
  if (min > 4_294_967_295) c.failSemantic(`invalid cardinality min: ${min}`, at);
  if (max !== null && max > 4_294_967_295) c.failSemantic(`invalid cardinality max: ${max}`, at);
  if (max !== null && min > max) {
    c.failSemantic(`cardinality min (${min}) exceeds max (${max})`, at);
  }
  return { min, max };
}

/** `@name` that is not a constraint keyword immediately followed by `(`. */
function isAnnotationStart(c: Cursor): boolean {
  if (!c.peekPunct("@")) return false;
  const save = c.pos;
  c.pos++;
  const word = /^[a-z_][A-Za-z0-9_]*/.exec(c.src.slice(c.pos, c.pos + 256))?.[0];
  let result = word !== undefined;
  if (word !== undefined && (CONSTRAINT_NAMES as readonly string[]).includes(word)) {
    c.pos += word.length;
    if (c.peekPunct("(")) result = false;
  }
  c.pos = save;
  return result;
}

function parseAnnotation(c: Cursor): Annotation {
  c.expectPunct("@");
  const name = c.ident("an annotation name");
  let value: string | null = null;
  const kwargs: Record<string, string> = {};
  if (c.tryPunct("(")) {
    value = parseAnnotationArg(c);
    while (c.tryPunct(",")) {
      const key = c.ident("a keyword argument name");
      c.expectPunct("=");
      kwargs[key] = parseLiteralText(c);
    }
    c.expectPunct(")");
  }
  return { name, value, kwargs };
}

/** An annotation argument keeps the literal's text (strings decoded), as upstream does. */
function parseAnnotationArg(c: Cursor): string {
  if (c.peekIdent()) return c.ident();
  return parseLiteralText(c);
}

function parseLiteralText(c: Cursor): string {
  if (c.peekString()) return c.stringLit();
  if (c.tryKeyword("true")) return "true";
  if (c.tryKeyword("false")) return "false";
  const n = c.tryNumberText(false);
  if (n !== null) return n;
  return c.expected("a literal");
}

function parseProp(c: Cursor): PropDecl {
  c.skipTrivia();
  const offset = c.pos;
  const name = c.ident("a property name (starting with a lowercase letter or '_')");
  c.expectPunct(":");
  const prop_type = parseTypeRef(c);
  const annotations: Annotation[] = [];
  while (isAnnotationStart(c)) annotations.push(parseAnnotation(c));
  return { name, prop_type, annotations, offset };
}

function parseTypeRef(c: Cursor): PropType {
  c.skipTrivia();
  const at = c.pos;
  if (c.tryPunct("[")) {
    const base = parseBaseScalar(c);
    c.expectPunct("]");
    const nullable = c.tryPunct("?");
    if (base === "Blob") c.failSemantic("list of Blob is not supported", at);
    return listType(base, nullable);
  }
  if (c.tryKeyword("enum")) {
    c.expectPunct("(");
    const values = [c.pattern(/^[A-Za-z0-9_-]+/, "an enum value")];
    while (c.tryPunct(",")) values.push(c.pattern(/^[A-Za-z0-9_-]+/, "an enum value"));
    c.expectPunct(")");
    const nullable = c.tryPunct("?");
    if (new Set(values).size !== values.length) {
      c.failSemantic("enum type cannot include duplicate values", at);
    }
    return enumType(values, nullable);
  }
  if (c.tryKeyword("Vector")) {
    c.expectPunct("(");
    const dim = Number(c.integerText());
    c.expectPunct(")");
    const nullable = c.tryPunct("?");
    if (dim === 0) c.failSemantic("Vector dimension must be greater than zero", at);
    if (dim > 2_147_483_647) {
      c.failSemantic(`Vector dimension ${dim} exceeds maximum supported 2147483647`, at);
    }
    return scalarType({ Vector: dim }, nullable);
  }
  const base = parseBaseScalar(c);
  return scalarType(base, c.tryPunct("?"));
}

function parseBaseScalar(c: Cursor): ScalarType {
  const word = c.peekWord();
  if (word === null || !isBaseScalar(word)) {
    return c.expected(
      "a type (String, Bool, I32, I64, U32, U64, F32, F64, Date, DateTime, Blob, Vector(n), [T] or enum(...))",
    );
  }
  c.pos += word.length;
  return word;
}

type ConstraintArg =
  | { kind: "ident"; text: string }
  | { kind: "literal"; text: string; isString: boolean }
  | { kind: "range"; min: ConstraintBound | null; max: ConstraintBound | null };

function parseBodyConstraint(c: Cursor): Constraint {
  c.expectPunct("@");
  const at = c.pos;
  const name = c.pattern(/^(key|unique|index|range|check)\b/, "a constraint name");
  c.expectPunct("(");
  const args = [parseConstraintArg(c)];
  while (c.tryPunct(",")) args.push(parseConstraintArg(c));
  c.expectPunct(")");
  const identOf = (a: ConstraintArg | undefined): string => {
    if (a?.kind !== "ident") return c.failSemantic("expected property name in constraint", at);
    return a.text;
  };
  switch (name) {
    case "key":
      return { Key: args.map(identOf) };
    case "unique":
      return { Unique: args.map(identOf) };
    case "index":
      return { Index: args.map(identOf) };
    case "range": {
      if (args.length < 2) {
        c.failSemantic("@range requires property name and bounds: @range(prop, min..max)", at);
      }
      const property = identOf(args[0]);
      const bounds = args[1];
      if (bounds?.kind !== "range") {
        return c.failSemantic("expected range bounds (min..max) in @range constraint", at);
      }
      return { Range: { property, min: bounds.min, max: bounds.max } };
    }
    default: {
      if (args.length < 2) {
        c.failSemantic('@check requires property name and pattern: @check(prop, "regex")', at);
      }
      const property = identOf(args[0]);
      const pat = args[1];
      if (pat?.kind !== "literal" || !pat.isString) {
        return c.failSemantic("expected string argument in constraint", at);
      }
      return { Check: { property, pattern: pat.text } };
    }
  }
}

function boundOf(text: string): ConstraintBound {
  return text.includes(".") ? { Float: Number(text) } : { Integer: Number(text) };
}

function parseConstraintArg(c: Cursor): ConstraintArg {
  c.skipTrivia();
  if (c.tryPunct("..")) {
    const hi = c.tryNumberText(true);
    if (hi === null) return c.expected("a range bound");
    return { kind: "range", min: null, max: boundOf(hi) };
  }
  const save = c.pos;
  const num = c.tryNumberText(true);
  if (num !== null) {
    if (c.tryPunct("..")) {
      const hi = c.tryNumberText(true);
      return { kind: "range", min: boundOf(num), max: hi === null ? null : boundOf(hi) };
    }
    if (num.startsWith("-")) {
      c.pos = save;
      return c.expected("'..' after a signed range bound");
    }
    return { kind: "literal", text: num, isString: false };
  }
  if (c.peekString()) return { kind: "literal", text: c.stringLit(), isString: true };
  if (c.tryKeyword("true")) return { kind: "literal", text: "true", isString: false };
  if (c.tryKeyword("false")) return { kind: "literal", text: "false", isString: false };
  return { kind: "ident", text: c.ident("a constraint argument") };
}

/** Property-level `@key`/`@unique`/`@index` mean the same as the body constraints. */
function desugar(properties: readonly PropDecl[]): Constraint[] {
  const out: Constraint[] = [];
  for (const p of properties) {
    for (const a of p.annotations) {
      if (a.value !== null) continue;
      if (a.name === "key") out.push({ Key: [p.name] });
      else if (a.name === "unique") out.push({ Unique: [p.name] });
      else if (a.name === "index") out.push({ Index: [p.name] });
    }
  }
  return out;
}

function resolveInterfaces(c: Cursor, decls: readonly SchemaDecl[]): SchemaDecl[] {
  const ifaces = new Map<string, InterfaceDecl>();
  for (const d of decls) if (d.kind === "interface") ifaces.set(d.name, d);
  return decls.map((d) => {
    if (d.kind !== "node" || d.implements.length === 0) return d;
    const properties = [...d.properties];
    const constraints = [...d.constraints];
    for (const iname of d.implements) {
      const iface = ifaces.get(iname);
      if (iface === undefined) {
        c.failSemantic(`node ${d.name} implements unknown interface '${iname}'`, d.offset);
      }
      for (const ip of iface.properties) {
        const existing = properties.find((p) => p.name === ip.name);
        if (existing === undefined) {
          properties.push(ip);
          constraints.push(...desugar([ip]));
        } else if (!propTypeEquals(existing.prop_type, ip.prop_type)) {
          c.failSemantic(
            `node ${d.name} property '${ip.name}' has type ${displayName(existing.prop_type)} but interface ${iname} declares it as ${displayName(ip.prop_type)}`,
            existing.offset,
          );
        }
      }
    }
    return { ...d, properties, constraints };
  });
}

function validateStringAnnotation(
  c: Cursor,
  anns: readonly Annotation[],
  annotation: string,
  target: string,
  at: number,
): void {
  let seen = false;
  for (const a of anns) {
    if (a.name !== annotation) continue;
    if (seen) c.failSemantic(`${target} declares @${annotation} multiple times`, at);
    if (a.value === null || a.value.trim() === "") {
      c.failSemantic(`@${annotation} on ${target} requires a non-empty value`, at);
    }
    seen = true;
  }
}

const TYPE_LEVEL_FORBIDDEN = ["key", "unique", "index", "embed"];

function validateAnnotations(c: Cursor, decls: readonly SchemaDecl[]): void {
  for (const d of decls) {
    if (d.kind === "interface") continue;
    for (const a of d.annotations) {
      if (!TYPE_LEVEL_FORBIDDEN.includes(a.name)) continue;
      c.failSemantic(
        d.kind === "node"
          ? `@${a.name} is only supported on node properties or as body constraint (node ${d.name})`
          : `@${a.name} is not supported on edges (edge ${d.name})`,
        d.offset,
      );
    }
    validateStringAnnotation(c, d.annotations, "description", `${d.kind} ${d.name}`, d.offset);
    validateStringAnnotation(c, d.annotations, "instruction", `${d.kind} ${d.name}`, d.offset);
    for (const p of d.properties) validatePropAnnotations(c, p, d.name, d.properties, d.kind);
  }
}

function validatePropAnnotations(
  c: Cursor,
  p: PropDecl,
  typeName: string,
  all: readonly PropDecl[],
  kind: "node" | "edge",
): void {
  const at = p.offset;
  const t = p.prop_type;
  const isVec = isVector(t.scalar);
  const isBlob = t.scalar === "Blob";
  validateStringAnnotation(c, p.annotations, "description", `property ${typeName}.${p.name}`, at);
  const seen = new Set<string>();
  for (const a of p.annotations) {
    const n = a.name;
    const constraintish = n === "key" || n === "unique" || n === "index" || n === "embed";
    if (t.list && constraintish) {
      c.failSemantic(`@${n} is not supported on list property ${typeName}.${p.name}`, at);
    }
    if (isVec && (n === "key" || n === "unique")) {
      c.failSemantic(`@${n} is not supported on vector property ${typeName}.${p.name}`, at);
    }
    if (isBlob && constraintish) {
      c.failSemantic(`@${n} is not supported on blob property ${typeName}.${p.name}`, at);
    }
    if (n === "instruction") {
      c.failSemantic(
        `@instruction is only supported on node and edge types (property ${typeName}.${p.name})`,
        at,
      );
    }
    if (kind === "edge" && (n === "key" || n === "embed")) {
      c.failSemantic(`@${n} is not supported on edge properties (edge ${typeName}.${p.name})`, at);
    }
    if (n === "key" || n === "unique" || n === "index") {
      if (a.value !== null) {
        c.failSemantic(`@${n} on ${typeName}.${p.name} does not accept a value`, at);
      }
      if (seen.has(n)) {
        c.failSemantic(`property ${typeName}.${p.name} declares @${n} multiple times`, at);
      }
      seen.add(n);
    }
    if (n === "embed") {
      if (seen.has(n)) {
        c.failSemantic(`property ${typeName}.${p.name} declares @embed multiple times`, at);
      }
      seen.add(n);
      validateEmbed(c, a, p, typeName, all, isVec);
    }
  }
}

function validateEmbed(
  c: Cursor,
  a: Annotation,
  p: PropDecl,
  typeName: string,
  all: readonly PropDecl[],
  isVec: boolean,
): void {
  const at = p.offset;
  if (!isVec) {
    c.failSemantic(`@embed is only supported on vector properties (${typeName}.${p.name})`, at);
  }
  if (a.value === null) {
    c.failSemantic(`@embed on ${typeName}.${p.name} requires a source property name`, at);
  }
  if (a.value.trim() === "") {
    c.failSemantic(`@embed on ${typeName}.${p.name} requires a non-empty source property name`, at);
  }
  const src = all.find((q) => q.name === a.value);
  if (src === undefined) {
    c.failSemantic(
      `@embed on ${typeName}.${p.name} references unknown source property ${a.value}`,
      at,
    );
  }
  if (src.prop_type.list || src.prop_type.scalar !== "String") {
    c.failSemantic(`@embed source property ${typeName}.${a.value} must be String`, at);
  }
  for (const key of Object.keys(a.kwargs ?? {})) {
    if (key !== "model") {
      c.failSemantic(
        `@embed on ${typeName}.${p.name} has unknown argument '${key}=' (only 'model' is supported)`,
        at,
      );
    }
  }
}

function validateConstraints(c: Cursor, decls: readonly SchemaDecl[]): void {
  for (const d of decls) {
    if (d.kind === "interface") continue;
    const props = new Map(d.properties.map((p) => [p.name, p]));
    const isEdge = d.kind === "edge";
    let keys = 0;
    for (const k of d.constraints) {
      if ("Key" in k) {
        if (isEdge)
          c.failSemantic(`@key constraint is not supported on edges (edge ${d.name})`, d.offset);
        keys++;
        if (keys > 1) {
          c.failSemantic(
            `node type ${d.name} has multiple @key constraints; only one is supported`,
            d.offset,
          );
        }
        for (const col of k.Key) {
          const p = props.get(col);
          if (p === undefined) {
            c.failSemantic(`@key on ${d.name} references unknown property '${col}'`, d.offset);
          }
          const t = p.prop_type;
          if (t.nullable)
            c.failSemantic(`@key property ${d.name}.${col} cannot be nullable`, p.offset);
          if (t.list)
            c.failSemantic(`@key is not supported on list property ${d.name}.${col}`, p.offset);
          if (isVector(t.scalar)) {
            c.failSemantic(`@key is not supported on vector property ${d.name}.${col}`, p.offset);
          }
          if (t.scalar === "Blob") {
            c.failSemantic(`@key is not supported on blob property ${d.name}.${col}`, p.offset);
          }
        }
      } else if ("Unique" in k || "Index" in k) {
        const cols = "Unique" in k ? k.Unique : k.Index;
        const label = "Unique" in k ? "@unique" : "@index";
        for (const col of cols) {
          if (isEdge && (col === "src" || col === "dst")) continue;
          const p = props.get(col);
          if (p === undefined) {
            c.failSemantic(`${label} on ${d.name} references unknown property '${col}'`, d.offset);
          }
          if ("Index" in k && p.prop_type.scalar === "Blob") {
            c.failSemantic(`@index is not supported on blob property ${d.name}.${col}`, p.offset);
          }
        }
      } else if ("Range" in k) {
        if (isEdge)
          c.failSemantic(`@range constraint is not supported on edges (edge ${d.name})`, d.offset);
        const p = props.get(k.Range.property);
        if (p === undefined) {
          c.failSemantic(
            `@range on ${d.name} references unknown property '${k.Range.property}'`,
            d.offset,
          );
        }
        if (!isNumeric(p.prop_type.scalar)) {
          c.failSemantic(
            `@range on ${d.name}.${p.name} requires a numeric type, got ${displayName(p.prop_type)}`,
            p.offset,
          );
        }
      } else {
        if (isEdge)
          c.failSemantic(`@check constraint is not supported on edges (edge ${d.name})`, d.offset);
        const p = props.get(k.Check.property);
        if (p === undefined) {
          c.failSemantic(
            `@check on ${d.name} references unknown property '${k.Check.property}'`,
            d.offset,
          );
        }
        if (p.prop_type.scalar !== "String") {
          c.failSemantic(
            `@check on ${d.name}.${p.name} requires String type, got ${displayName(p.prop_type)}`,
            p.offset,
          );
        }
      }
    }
  }
}
