/**
 * The engine's languages as the cluster's config loader needs them: schema compile, query
 * parse and type-check, with failures as text (what upstream's diagnostics embed).
 */
import {
  type CompiledSchema,
  compileSchema,
  parseQueries,
  type QueryAst,
  typecheckQuery,
} from "../engine/index.ts";

export type CompiledCatalog = CompiledSchema;

export type SchemaCheck =
  | { readonly ok: true; readonly catalog: CompiledCatalog }
  | {
      readonly ok: false;
      readonly code: "schema_parse_error" | "schema_catalog_error";
      readonly message: string;
    };

export function checkSchema(source: string): SchemaCheck {
  const c = compileSchema(source);
  if (c.ok) return { ok: true, catalog: c.schema };
  return {
    ok: false,
    code: c.error.kind === "parse" ? "schema_parse_error" : "schema_catalog_error",
    message: c.error.message,
  };
}

export interface QueryDeclRef {
  readonly name: string;
  readonly decl: unknown;
}

export function parseQueryFile(
  source: string,
): { ok: true; queries: QueryDeclRef[] } | { ok: false; message: string } {
  const p = parseQueries(source);
  if (!p.ok) return { ok: false, message: p.error.message };
  return { ok: true, queries: p.queries.map((q) => ({ name: q.name, decl: q })) };
}

/** Null when the query type-checks against the schema, else the checker's message. */
export function typecheckQueryDecl(catalog: CompiledCatalog, decl: QueryDeclRef): string | null {
  const r = typecheckQuery(decl.decl as QueryAst, catalog);
  return r.ok ? null : r.message;
}
