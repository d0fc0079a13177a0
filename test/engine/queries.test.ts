import { describe, expect, it } from "vitest";
import {
  type CheckedQuery,
  type CompiledSchema,
  compileSchema,
  type Graph,
  parseQueries,
  runQuery,
  typecheckQuery,
} from "../../src/engine/index.ts";
import { engineError, Harness, storedMainVersion, V1, V2 } from "./helpers.ts";

const SCHEMA = `node Person { name: String @key age: I32? tags: [String]? }
node Company { name: String @key }
edge Knows: Person -> Person { since: Date? }
edge WorksAt: Person -> Company
`;

function compiled(src: string): CompiledSchema {
  const r = compileSchema(src);
  if (!r.ok) throw new Error(r.error.message);
  return r.schema;
}

function check(src: string, schema = compiled(SCHEMA)): CheckedQuery {
  const parsed = parseQueries(src);
  if (!parsed.ok) throw new Error(parsed.error.message);
  const q = parsed.queries[0];
  if (q === undefined) throw new Error("no query");
  const r = typecheckQuery(q, schema);
  if (!r.ok) throw new Error(r.message);
  return r.checked;
}

function typeError(src: string, schema = compiled(SCHEMA)): string {
  const parsed = parseQueries(src);
  if (!parsed.ok) throw new Error(parsed.error.message);
  const r = typecheckQuery(parsed.queries[0] as never, schema);
  if (r.ok) throw new Error(`expected a type error for ${src}`);
  return r.message;
}

/** The cluster fixture query, byte for byte. */
const FIND_PERSON =
  "\nquery find_person($name: String) {\n  match { $p: Person { name: $name } }\n  return { $p.name, $p.age }\n}\n";

describe(".gq parser", () => {
  it("parses the fixture and a file declaring several queries", () => {
    const one = parseQueries(FIND_PERSON);
    expect(one.ok && one.queries.map((q) => [q.name, q.params])).toEqual([
      ["find_person", [{ name: "name", typeName: "String", nullable: false }]],
    ]);
    const many = parseQueries(`// two queries
query a() @description("first") { match { $p: Person } return { $p.name } }
/* and */ query b($n: I32?, $t: [String]) { match { $p: Person } return { $p.name as who } order { who desc } limit 3 }
query c($n: String) { insert Person { name: $n, age: 3 } }
`);
    if (!many.ok) throw new Error(many.error.message);
    expect(many.queries.map((q) => q.name)).toEqual(["a", "b", "c"]);
    expect(many.queries[0]?.description).toBe("first");
    expect(many.queries[1]?.limit).toBe(3);
    expect(many.queries[1]?.params).toEqual([
      { name: "n", typeName: "I32", nullable: true },
      { name: "t", typeName: "[String]", nullable: false },
    ]);
    expect(many.queries[2]?.mutations).toHaveLength(1);
  });

  it.each([
    ["query q( { }", 1, 10, "expected a variable"],
    ["query q() {\n  match { $p Person }\n  return { $p.name }\n}", 2, 14, "expected"],
    ["query q() { match { $p: Person } }", 1, 34, "expected 'return'"],
    ["query Q() {}", 1, 7, "expected a query name"],
    [
      'query q() @description("a") @description("b") { match { $p: Person } return { $p } }',
      1,
      29,
      null,
    ],
    [
      'query q() { match { $p: Person } return { search($p.name, "x") } }',
      1,
      43,
      "search(...) is not supported by this model",
    ],
  ])("a malformed query is a positioned error: %s", (src, line, column, text) => {
    const r = parseQueries(src);
    if (r.ok) throw new Error("expected a parse error");
    expect([r.error.line, r.error.column]).toEqual([line, column]);
    if (text !== null) expect(r.error.message).toContain(text);
    else
      expect(r.error.message).toBe(
        "parse error: query `q` cannot include duplicate @description annotations",
      );
  });
});

describe(".gq typecheck", () => {
  it("accepts the fixture against V1 and its bio variant only against V2", () => {
    expect(check(FIND_PERSON, compiled(V1)).columns).toEqual(["p.name", "p.age"]);
    const bio = FIND_PERSON.replace("$p.age", "$p.bio");
    expect(typeError(bio, compiled(V1))).toBe(
      "type error: T6: type `Person` has no property `bio`",
    );
    expect(check(bio, compiled(V2)).kind).toBe("read");
  });

  it.each([
    [
      "query q() { match { $d: DoesNotExist } return { $d.name } }",
      "T1: unknown node type `DoesNotExist`",
    ],
    [
      "query q() { match { $p: Person { height: 1 } } return { $p } }",
      "T2: type `Person` has no property `height`",
    ],
    [
      'query q() { match { $p: Person { age: "x" } } return { $p } }',
      "T3: property `age` has type I32? but got String",
    ],
    [
      "query q($n: I32) { match { $p: Person { name: $n } } return { $p } }",
      "T7: cannot assign/compare I32 with String for property `name`",
    ],
    [
      "query q() { match { $p: Person $p likes $q } return { $p } }",
      "T4: unknown edge type `likes`",
    ],
    ["query q() { match { $p: Person } return { $x.name } }", "T6: variable `$x` is not bound"],
    [
      "query q() { match { $c: Company $c knows $q } return { $c } }",
      "T5: variable `$c` has type `Company`, which is not an endpoint of edge `Knows: Person -> Person`",
    ],
    [
      'query q() { match { $p: Person $p.age > "x" } return { $p } }',
      "T7: cannot compare I32? with String",
    ],
    [
      "query q() { match { $p: Person not { $q: Company } } return { $p } }",
      "T9: negation block must reference at least one outer-bound variable",
    ],
    ["query q() { match { $p: Person } return { $p.name, count($p.name) } order { x } }", null],
    ["query q($x: Uuid) { match { $p: Person } return { $p } }", null],
    [
      "query q() { insert Person { age: 3 } }",
      "T12: insert for `Person` must provide non-nullable property `name`",
    ],
    [
      'query q() { insert Knows { from: "a" } }',
      "T12: insert for `Knows` must provide required endpoint `to`",
    ],
    [
      'query q() { update Knows set { since: date("2020-01-01") } where since = date("2020-01-01") }',
      "T16: update mutation for edge type `Knows` is not supported",
    ],
    [
      "query q() { delete Person where name = $who }",
      "T14: mutation variable `$who` must be a declared query parameter",
    ],
    [
      'query q() { insert Person { name: "a", name: "b" } }',
      "T13: duplicate assignment for property `name`",
    ],
  ])("%s", (src, text) => {
    if (text === null) {
      const msg = parseQueries(src).ok
        ? (() => {
            try {
              check(src);
              return "ok";
            } catch (e) {
              return (e as Error).message;
            }
          })()
        : "parse";
      expect(msg === "ok" || msg.startsWith("type error:") || msg === "parse").toBe(true);
      return;
    }
    expect(typeError(src)).toBe(`type error: ${text}`);
  });
});

describe("running queries", () => {
  async function graph(): Promise<{ h: Harness; g: Graph }> {
    const h = new Harness();
    await h.init(SCHEMA);
    const g = await h.open();
    await g.insert("Person", [
      { name: "ada", age: 36, tags: ["math"] },
      { name: "bob", age: 25 },
      { name: "cy", age: 41, tags: ["art", "math"] },
    ]);
    await g.insert("Company", [{ name: "acme" }]);
    await g.insert("Knows", [
      { from: "ada", to: "bob", since: "2020-01-01" },
      { from: "bob", to: "cy" },
    ]);
    await g.insert("WorksAt", [{ from: "ada", to: "acme" }]);
    return { h, g };
  }

  const run = (g: Graph, src: string, params: Record<string, unknown> = {}) =>
    runQuery(g, check(src, g.catalog()), params);

  it("the fixture query with a parameter", async () => {
    const { g } = await graph();
    const fixture = check(FIND_PERSON, g.catalog());
    expect(await runQuery(g, fixture, { name: "ada" })).toEqual([{ "p.name": "ada", "p.age": 36 }]);
    expect(await runQuery(g, fixture, { name: "nobody" })).toEqual([]);
  });

  it("filters, order, limit, aliases", async () => {
    const { g } = await graph();
    const rows = await run(
      g,
      "query q($min: I32) { match { $p: Person $p.age >= $min } return { $p.name as who, $p.age } order { $p.age desc } limit 2 }",
      { min: 30 },
    );
    expect(rows).toEqual([
      { who: "cy", "p.age": 41 },
      { who: "ada", "p.age": 36 },
    ]);
  });

  it("list membership, traversals with hop bounds, negation", async () => {
    const { g } = await graph();
    expect(
      await run(
        g,
        'query q() { match { $p: Person { tags: "math" } } return { $p.name } order { $p.name } }',
      ),
    ).toEqual([{ "p.name": "ada" }, { "p.name": "cy" }]);
    expect(
      await run(
        g,
        'query q() { match { $p: Person { name: "ada" } $p knows{1,2} $f } return { $f.name } }',
      ),
    ).toEqual([{ "f.name": "bob" }, { "f.name": "cy" }]);
    expect(
      await run(g, "query q() { match { $c: Company $p worksAt $c } return { $p.name, $c.name } }"),
    ).toEqual([{ "p.name": "ada", "c.name": "acme" }]);
    expect(
      await run(
        g,
        "query q() { match { $p: Person not { $p worksAt $c } } return { $p.name } order { $p.name } }",
      ),
    ).toEqual([{ "p.name": "bob" }, { "p.name": "cy" }]);
    expect(
      await run(
        g,
        'query q() { match { $f: Person { name: "cy" } $p knows $f } return { $p.name } }',
      ),
    ).toEqual([{ "p.name": "bob" }]);
  });

  it("aggregates", async () => {
    const { g } = await graph();
    expect(
      await run(
        g,
        "query q() { match { $p: Person } return { count($p), sum($p.age) as total, max($p.age) } }",
      ),
    ).toEqual([{ count: 3, total: 102, max: 41 }]);
  });

  it("mutations publish once and report what they touched", async () => {
    const { h, g } = await graph();
    const before = storedMainVersion(h.world);
    expect(
      await run(
        g,
        'query q($n: String) { insert Person { name: $n, age: 9 } insert Knows { from: "ada", to: $n } }',
        { n: "dee" },
      ),
    ).toEqual([{ affected_nodes: 1, affected_edges: 1 }]);
    expect(storedMainVersion(h.world)).toBe(before + 1);
    expect(await run(g, 'query q() { update Person set { age: 10 } where name = "dee" }')).toEqual([
      { affected_nodes: 1, affected_edges: 0 },
    ]);
    expect(await run(g, 'query q() { delete Person where name = "dee" }')).toEqual([
      { affected_nodes: 1, affected_edges: 1 },
    ]);
    expect((await g.rows("Person")).map((r) => r.name)).toEqual(["ada", "bob", "cy"]);
    expect(await g.rows("Knows")).toHaveLength(2);
  });

  it("parameters are checked at run time", async () => {
    const { g } = await graph();
    const q = check(FIND_PERSON, g.catalog());
    const missing = await engineError(runQuery(g, q, {}));
    expect(missing.message).toBe("param 'name': null is not accepted for non-nullable parameter");
    const wrong = await engineError(runQuery(g, q, { name: 3 }));
    expect(wrong.message).toBe("param 'name': expected String, got 3");
  });

  it("a query checked against another schema is checked again against the live one", async () => {
    const { g } = await graph();
    const stale = check("query q() { match { $p: Person } return { $p.bio } }", compiled(V2));
    const err = await engineError(runQuery(g, stale, {}));
    expect([err.code, err.message]).toEqual([
      "query_invalid",
      "type error: T6: type `Person` has no property `bio`",
    ]);
  });
});
