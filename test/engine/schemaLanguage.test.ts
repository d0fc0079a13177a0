import { describe, expect, it } from "vitest";
import { compileSchema, parseSchema, schemaIrHash } from "../../src/engine/index.ts";
import { V1 } from "./helpers.ts";

const ENGINE_FIXTURE = `node Person {
    name: String @key
    age: I32?
}

node Company {
    name: String @key
}

edge Knows: Person -> Person {
    since: Date?
}

edge WorksAt: Person -> Company
`;

const RICH = `// interfaces are copied into the nodes that implement them
interface Named { name: String @key }
/* block
   comment */
node Doc @description("a document") implements Named {
    title: String @index
    tags: [String]?
    status: enum(draft, in-review, published)?
    embedding: Vector(4)? @embed("title", model="m") @index
    @range(score, 0..100)
    score: I32?
    @unique(title, status)
}
edge Cites: Doc -> Doc @card(0..5) @instruction("cite carefully") { weight: F64? }
`;

function ok(src: string) {
  const r = compileSchema(src);
  if (!r.ok) throw new Error(`expected ${JSON.stringify(src)} to compile: ${r.error.message}`);
  return r.schema;
}

function parseError(src: string) {
  const r = parseSchema(src);
  if (r.ok) throw new Error(`expected ${JSON.stringify(src)} not to parse`);
  return r.error;
}

describe(".pg parser and compiler", () => {
  it("compiles the cluster and engine fixtures", () => {
    const v1 = ok(V1);
    expect([...v1.catalog.nodeTypes.keys()]).toEqual(["Person"]);
    const person = v1.catalog.nodeTypes.get("Person");
    expect(person?.key).toEqual(["name"]);
    expect([...(person?.properties.entries() ?? [])]).toEqual([
      ["age", { scalar: "I32", nullable: true, list: false, enum_values: null }],
      ["name", { scalar: "String", nullable: false, list: false, enum_values: null }],
    ]);
    const e = ok(ENGINE_FIXTURE);
    expect([...e.catalog.edgeTypes.keys()].sort()).toEqual(["Knows", "WorksAt"]);
    expect(e.catalog.edgeTypes.get("WorksAt")).toMatchObject({
      from_type: "Person",
      to_type: "Company",
      cardinality: { min: 0, max: null },
    });
    expect(e.catalog.edgeNameIndex.get("worksat")).toBe("WorksAt");
    expect(e.irHash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("compiles interfaces, lists, enums, vectors, body constraints, cardinality and metadata", () => {
    const s = ok(RICH);
    const doc = s.catalog.nodeTypes.get("Doc");
    expect(doc?.implements).toEqual(["Named"]);
    expect(doc?.key).toEqual(["name"]);
    expect(doc?.properties.get("status")).toEqual({
      scalar: "String",
      nullable: true,
      list: false,
      enum_values: ["draft", "in-review", "published"],
    });
    expect(doc?.properties.get("embedding")?.scalar).toEqual({ Vector: 4 });
    expect(doc?.unique).toEqual([["status", "title"]]);
    const ir = s.ir.nodes[0];
    expect(ir?.constraints).toEqual([
      { Index: ["embedding"] },
      { Index: ["title"] },
      { Key: ["name"] },
      { Range: { property: "score", min: { Integer: 0 }, max: { Integer: 100 } } },
      { Unique: ["status", "title"] },
    ]);
    expect(ir?.annotations).toEqual([{ name: "description", value: "a document" }]);
    expect(s.ir.edges[0]?.cardinality).toEqual({ min: 0, max: 5 });
  });

  it("the IR hash ignores comments, whitespace and declaration/property order", () => {
    const a = ok(ENGINE_FIXTURE);
    const b = ok(
      "// reordered\nedge WorksAt: Person -> Company\nedge Knows: Person -> Person { since: Date? }\n" +
        "node Company { name: String @key }\nnode Person { age: I32? name: String @key }",
    );
    expect(b.irHash).toBe(a.irHash);
    expect(schemaIrHash(b.ir)).toBe(a.irHash);
    expect(ok(`${V1}\n// trailing`).irHash).toBe(ok(V1).irHash);
    expect(ok(V1.replace("I32?", "I64?")).irHash).not.toBe(ok(V1).irHash);
  });

  it.each([
    ["a lowercase type name", "node person { name: String }", 1, 6, "expected a type name"],
    [
      "an uppercase property",
      "node Person {\n  Name: String\n}",
      2,
      3,
      "expected a property declaration",
    ],
    ["a missing colon", "node P {\n  name String\n}", 2, 8, "expected ':'"],
    ["an unknown type", "node P {\n  x: Int\n}", 2, 6, "expected a type (String"],
    [
      "an unclosed body",
      "node P {\n  x: String\n",
      3,
      1,
      "expected a property declaration, a body constraint or '}'",
    ],
    ["a stray token", "node P { x: String }\n@", 2, 1, "expected 'interface', 'node' or 'edge'"],
    [
      "an unterminated comment",
      "node P { x: String } /* no end",
      1,
      22,
      "unterminated block comment",
    ],
  ])("a syntax error (%s) is positioned", (_, src, line, column, text) => {
    const e = parseError(src);
    expect([e.line, e.column]).toEqual([line, column]);
    expect(e.message).toContain(`parse error: --> ${line}:${column}: ${text}`);
  });

  it.each([
    ["node P implements Missing { x: String }", "node P implements unknown interface 'Missing'"],
    [
      "interface N { name: String }\nnode P implements N { name: I32 }",
      "node P property 'name' has type I32 but interface N declares it as String",
    ],
    ["node P { name: String? @key }", "@key property P.name cannot be nullable"],
    [
      "node P { a: String @key b: String @key }",
      "node type P has multiple @key constraints; only one is supported",
    ],
    // As in pest, `@key(` after a property starts a body constraint, not an annotation.
    ["node P { a: String @key(b) }", "@key on P references unknown property 'b'"],
    [
      "node P { a: String }\nedge E: P -> P { w: String @key }",
      "@key is not supported on edge properties (edge E.w)",
    ],
    ["node P { tags: [String] @index }", "@index is not supported on list property P.tags"],
    [
      'node P { a: String @instruction("x") }',
      "@instruction is only supported on node and edge types (property P.a)",
    ],
    [
      "node P @key { a: String }",
      "@key is only supported on node properties or as body constraint (node P)",
    ],
    ['node P @description("") { a: String }', "@description on node P requires a non-empty value"],
    ["node P { a: String }\nedge E: P -> P @card(3..1)", "cardinality min (3) exceeds max (1)"],
    ["node P { v: Vector(0) }", "Vector dimension must be greater than zero"],
    ["node P { s: enum(a, a) }", "enum type cannot include duplicate values"],
    ["node P { a: I32 @range(0..1, a) }", "expected property name in constraint"],
    ["node P { a: String\n @range(a, 0..1) }", "@range on P.a requires a numeric type, got String"],
    ['node P { a: I32\n @check(a, "x") }', "@check on P.a requires String type, got I32"],
    ["node P { a: String\n @unique(b) }", "@unique on P references unknown property 'b'"],
    ['node P { a: String @description("a\\q") }', "unsupported escape sequence: \\q"],
  ])("a semantic error reads as upstream's: %s", (src, text) => {
    expect(parseError(src).message).toBe(`parse error: ${text}`);
  });

  it.each([
    ["node P { a: String }\nnode P { b: String }", "catalog error: duplicate node type: P", 2],
    [
      "node P { a: String }\nedge E: Q -> P",
      "catalog error: edge E references unknown source type: Q",
      2,
    ],
    [
      "node P { a: String }\nedge Knows: P -> P\nedge KNOWS: P -> P",
      "catalog error: edge name collision after case folding: 'Knows' conflicts with 'KNOWS'",
      2,
    ],
    [
      "node P { a: String a: I32 }",
      /^catalog error: property id collision on P: 'a' and 'a' both hash to \d+$/,
      1,
    ],
  ])("a catalog error: %s", (src, text, line) => {
    const r = compileSchema(src);
    if (r.ok) throw new Error("expected a catalog error");
    expect(r.error.kind).toBe("catalog");
    if (typeof text === "string") expect(r.error.message).toBe(text);
    else expect(r.error.message).toMatch(text);
    expect(r.error.line).toBe(line);
  });

  it("never throws, whatever the input", () => {
    for (const src of [
      "",
      "@",
      "node",
      "node P {",
      '"',
      "/*",
      "edge E: -> ",
      "\u0000\uffff",
      "node P { a: enum( ) }",
    ]) {
      const r = compileSchema(src);
      expect(typeof r.ok).toBe("boolean");
    }
    expect(compileSchema("").ok).toBe(true);
  });
});
