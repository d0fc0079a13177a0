import { describe, expect, it } from "vitest";
import {
  type CompiledSchema,
  compileSchema,
  type MigrationPlan,
  planMigration,
  planRejection,
} from "../../src/engine/index.ts";
import { V_REQUIRED, V_TYPE_CHANGE, V1, V2 } from "./helpers.ts";

function c(src: string): CompiledSchema {
  const r = compileSchema(src);
  if (!r.ok) throw new Error(r.error.message);
  return r.schema;
}

function plan(from: string, to: string, allowDataLoss = false): MigrationPlan {
  return planMigration(c(from), c(to), { allowDataLoss });
}

const V1_WITH_EDGES = `node Person { name: String @key age: I32? }
node Company { name: String @key }
edge WorksAt: Person -> Company { since: Date? }
`;

describe("migration planner (spec §4.5, upstream's schema_plan)", () => {
  it("an identical compiled schema plans nothing", () => {
    expect(plan(V1, `// only a comment\n${V1}`)).toEqual({ supported: true, steps: [] });
  });

  it("adding a nullable property and an index", () => {
    const p = plan(V1, "node Person { name: String @key age: I32? @index nickname: String? }");
    expect(p.supported).toBe(true);
    expect(p.steps).toEqual([
      {
        kind: "add_property",
        type_kind: "node",
        type_name: "Person",
        property_name: "nickname",
        property_type: { scalar: "String", nullable: true, list: false, enum_values: null },
      },
      {
        kind: "add_constraint",
        type_kind: "node",
        type_name: "Person",
        constraint: { Index: ["age"] },
      },
    ]);
  });

  it("explicit type and property renames", () => {
    const p = plan(
      "node User { name: String @key }",
      'node Account @rename_from("User") { full_name: String @key @rename_from("name") }',
    );
    expect(p).toEqual({
      supported: true,
      steps: [
        { kind: "rename_type", type_kind: "node", from: "User", to: "Account" },
        {
          kind: "rename_property",
          type_kind: "node",
          type_name: "Account",
          from: "name",
          to: "full_name",
        },
      ],
    });
  });

  it("metadata changes on types and properties", () => {
    const p = plan(
      'node P @description("old") { a: String? }',
      'node P @description("new") { a: String? @description("the a") }',
    );
    expect(p.steps).toEqual([
      {
        kind: "update_type_metadata",
        type_kind: "node",
        name: "P",
        annotations: [{ name: "description", value: "new" }],
      },
      {
        kind: "update_property_metadata",
        type_kind: "node",
        type_name: "P",
        property_name: "a",
        annotations: [{ name: "description", value: "the a" }],
      },
    ]);
  });

  it("adds and drops types and properties; drops are soft unless data loss is allowed", () => {
    const from = V1_WITH_EDGES;
    const to =
      "node Person { name: String @key }\nnode Company { name: String @key }\nnode Tag { t: String? }\n";
    const soft = plan(from, to);
    expect(soft.steps).toEqual([
      {
        kind: "drop_property",
        type_kind: "node",
        type_name: "Person",
        property_name: "age",
        mode: "soft",
      },
      { kind: "add_type", type_kind: "node", name: "Tag" },
      { kind: "drop_type", type_kind: "edge", name: "WorksAt", mode: "soft" },
    ]);
    expect(soft.supported).toBe(true);
    const hard = plan(from, to, true);
    expect(hard.steps.filter((s) => "mode" in s).map((s) => ("mode" in s ? s.mode : null))).toEqual(
      ["hard", "hard"],
    );
  });

  it.each([
    [
      "adding a required property",
      V1,
      V_REQUIRED,
      "node:Person.bio",
      "adding required property 'Person.bio' requires a backfill and is not supported in schema migration v1",
      "OG-MF-103",
    ],
    [
      "changing a property type",
      V1,
      V_TYPE_CHANGE,
      "node:Person.age",
      "changing property type for 'Person.age' is not supported in schema migration v1",
      "OG-MF-106",
    ],
    [
      "changing nullability",
      V1,
      "node Person { name: String @key age: I32 }",
      "node:Person.age",
      "changing property type for 'Person.age' is not supported in schema migration v1",
      "OG-MF-106",
    ],
    [
      "removing an interface",
      "interface N { n: String? }\nnode P { a: String? }",
      "node P { a: String? }",
      "interface:N",
      "removing interface 'N' is not supported in schema migration v1",
      undefined,
    ],
    [
      "changing implemented interfaces",
      "interface N { n: String? }\nnode P { a: String? }",
      "interface N { n: String? }\nnode P implements N { a: String? }",
      "node:P",
      "changing implemented interfaces on node 'P' is not supported in schema migration v1",
      undefined,
    ],
    [
      "changing edge endpoints",
      V1_WITH_EDGES,
      V1_WITH_EDGES.replace("Person -> Company", "Company -> Person"),
      "edge:WorksAt",
      "changing edge endpoints on 'WorksAt' is not supported in schema migration v1",
      undefined,
    ],
    [
      "changing edge cardinality",
      V1_WITH_EDGES,
      V1_WITH_EDGES.replace("Person -> Company", "Person -> Company @card(0..1)"),
      "edge:WorksAt",
      "changing cardinality on edge 'WorksAt' is not supported in schema migration v1",
      undefined,
    ],
    [
      "a dangling node rename",
      V1,
      'node Human @rename_from("Ghost") { name: String @key }',
      "node:Human",
      "node 'Human' declares @rename_from(\"Ghost\") but no accepted node with that name exists",
      undefined,
    ],
    [
      "a dangling property rename",
      V1,
      'node Person { name: String @key years: I32? @rename_from("yrs") }',
      "node:Person.years",
      "property 'Person.years' declares @rename_from(\"yrs\") but no accepted property with that name exists",
      undefined,
    ],
    [
      "removing a constraint",
      "node P { a: String? @index }",
      "node P { a: String? }",
      "node:P",
      "removing constraints from 'P' is not supported in schema migration v1",
      undefined,
    ],
    [
      "adding a non-index constraint",
      "node P { a: String? }",
      "node P { a: String? @unique }",
      "node:P",
      "adding constraint 'unique:a' to 'P' is not supported in schema migration v1",
      undefined,
    ],
    [
      "changing a non-metadata annotation",
      "node P { a: String? @foo }",
      "node P { a: String? @foo(bar) }",
      "node:P.a",
      "changing annotations beyond @description/@instruction is not supported in schema migration v1",
      undefined,
    ],
  ])("unsupported: %s", (_, from, to, entity, reason, code) => {
    const p = plan(from, to);
    expect(p.supported).toBe(false);
    const step = p.steps.find((s) => s.kind === "unsupported_change");
    expect(step).toEqual(
      code === undefined
        ? { kind: "unsupported_change", entity, reason }
        : {
            kind: "unsupported_change",
            entity,
            reason,
            code,
          },
    );
    expect(planRejection(p)).toBe(code === undefined ? reason : `[${code}] ${reason}`);
  });

  it("the rejection is the first unsupported step (interfaces, then nodes, then edges)", () => {
    const p = plan(
      V1_WITH_EDGES,
      V1_WITH_EDGES.replace("age: I32?", "age: I64? bio: String").replace(
        "Person -> Company",
        "Person -> Company @card(1..)",
      ),
    );
    expect(p.steps.map((s) => (s.kind === "unsupported_change" ? s.entity : s.kind))).toEqual([
      "node:Person.age",
      "node:Person.bio",
      "edge:WorksAt",
    ]);
    expect(planRejection(p)).toBe(
      "[OG-MF-106] changing property type for 'Person.age' is not supported in schema migration v1",
    );
    expect(planRejection(plan(V1, V2))).toBeNull();
  });
});
