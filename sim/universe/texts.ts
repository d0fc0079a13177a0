import type { HOSTILE_QUERY_CHANGES } from "../ops/editQuery.ts";
import type { QUERY_CHANGES, SCHEMA_CHANGES } from "../scenario/schema.ts";

/**
 * The source texts a universe's working tree is made of. The v1 texts are upstream's cluster
 * test fixture byte for byte (leading newline included), so digests line up with the
 * conformance suite's.
 */
export type SchemaVariant = "v1" | Exclude<(typeof SCHEMA_CHANGES)[number], "revert">;
export type QueryVariant =
  | "v1"
  | Exclude<(typeof QUERY_CHANGES)[number], "revert">
  | (typeof HOSTILE_QUERY_CHANGES)[number];

export const SCHEMA_TEXT: Record<SchemaVariant, string> = {
  v1: "\nnode Person {\n  name: String @key\n  age: I32?\n}\n",
  // V2 of upstream's tests: a supported migration that rewrites the Person table.
  "add-optional": "\nnode Person {\n  name: String @key\n  age: I32?\n  bio: String?\n}\n",
  // Rejected by the planner before anything moves: needs a backfill.
  "add-required": "\nnode Person {\n  name: String @key\n  age: I32?\n  bio: String\n}\n",
  // Rejected by the planner before anything moves: property type change.
  "type-change": "\nnode Person {\n  name: String @key\n  age: I64?\n}\n",
  // Caught by config validation: apply stops before the lock.
  "parse-error": "\nnode Person {\n  name String @key\n  age: I32?\n}\n",
  // A supported migration that creates a table (add_type).
  "add-type":
    "\nnode Person {\n  name: String @key\n  age: I32?\n}\n\nnode Company {\n  name: String @key\n}\n",
  // A metadata-only migration (@description): a new compiled schema, the same tables, so the
  // engine writes no sidecar and a crash around its staging is ambiguous (spec appendix A.4).
  describe: '\nnode Person {\n  name: String @key\n  age: I32? @description("age in years")\n}\n',
  // A new digest with an identical compiled schema (spec appendix A.2).
  "comment-only":
    "\n// people, as the fixture has them\nnode Person {\n  name: String @key\n  age: I32?\n}\n",
};

export const QUERY_TEXT: Record<QueryVariant, string> = {
  v1: "\nquery find_person($name: String) {\n  match { $p: Person { name: $name } }\n  return { $p.name, $p.age }\n}\n",
  "use-bio":
    "\nquery find_person($name: String) {\n  match { $p: Person { name: $name } }\n  return { $p.name, $p.bio }\n}\n",
  "parse-error":
    "\nquery find_person($name: String) {\n  match { $p Person { name: $name } }\n  return { $p.name }\n}\n",
  // Parses, but names a property no schema variant declares: a type error at validation.
  "type-error":
    "\nquery find_person($name: String) {\n  match { $p: Person { name: $name } }\n  return { $p.name, $p.height }\n}\n",
  // Rendered as bytes that are not UTF-8 (see nonUtf8); this text is what precedes them.
  "non-utf8":
    "\nquery find_person($name: String) {\n  match { $p: Person { name: $name } }\n  return { $p.name, $p.age }\n}\n",
};

/**
 * A file's content with one byte that can never occur in UTF-8 (0xFF) appended inside a
 * trailing comment: the reader that requires UTF-8 refuses it, a byte-level digest does not.
 */
export function nonUtf8(text: string, comment = "#"): Uint8Array {
  const head = new TextEncoder().encode(`${text}${comment} latin-1 e-acute as one byte: `);
  const out = new Uint8Array(head.length + 2);
  out.set(head);
  out[head.length] = 0xff;
  out[head.length + 1] = 0x0a;
  return out;
}
