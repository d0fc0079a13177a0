import { memoByObject, memoByText } from "../../util/memo.ts";
import type { PositionedError } from "../lang/cursor.ts";
import { positioned } from "../lang/cursor.ts";
import type { SchemaFile } from "./ast.ts";
import { buildCatalog, type Catalog } from "./catalog.ts";
import { buildSchemaIr, type SchemaIR, schemaIrHash } from "./ir.ts";
import { parseSchema } from "./parser.ts";

/** A schema that parsed and compiled: its canonical IR, that IR's hash, and the catalog. */
export interface CompiledSchema {
  readonly ir: SchemaIR;
  /** `sha256:<hex>` over the canonical IR: equal for schemas that differ only in layout. */
  readonly irHash: string;
  readonly catalog: Catalog;
}

export type SchemaCompileError = PositionedError & { readonly kind: "parse" | "catalog" };

export type SchemaCompile =
  | { readonly ok: true; readonly schema: CompiledSchema }
  | { readonly ok: false; readonly error: SchemaCompileError };

/** Parses and compiles `.pg` source. Never throws. A pure function of the text: memoized. */
export function compileSchema(source: string): SchemaCompile {
  return compileSchemaText(source);
}

const compileSchemaText = memoByText((source: string): SchemaCompile => {
  const parsed = parseSchema(source);
  if (!parsed.ok) return { ok: false, error: { ...parsed.error, kind: "parse" } };
  return compileSchemaFile(source, parsed.schema);
});

/**
 * Catalog rules run before the IR is built, so duplicate types read as the catalog's
 * "duplicate node type" (what config validation reports) rather than as an id collision.
 */
export function compileSchemaFile(source: string, schema: SchemaFile): SchemaCompile {
  const seen = new Set<string>();
  for (const d of schema.declarations) {
    if (d.kind === "interface") continue;
    const k = `${d.kind}:${d.name}`;
    if (seen.has(k)) {
      return catalogError(source, d.offset, `catalog error: duplicate ${d.kind} type: ${d.name}`);
    }
    seen.add(k);
  }
  const ir = buildSchemaIr(schema);
  if (!ir.ok) return catalogError(source, 0, ir.message);
  const cat = buildCatalog(ir.ir);
  if (!cat.ok) {
    const name = /edge (\w+) references|'(\w+)' conflicts/.exec(cat.message);
    const decl = schema.declarations.find((d) => d.name === (name?.[1] ?? name?.[2]));
    return catalogError(source, decl?.offset ?? 0, cat.message);
  }
  return {
    ok: true,
    schema: { ir: ir.ir, irHash: schemaIrHash(ir.ir), catalog: cat.catalog },
  };
}

/** Rebuilds a compiled schema from an accepted IR (what `_schema.ir.json` holds). */
export function compiledFromIr(ir: SchemaIR): CompiledSchema | { error: string } {
  return compiledFromIrMemo(ir);
}

const compiledFromIrMemo = memoByObject((ir: SchemaIR): CompiledSchema | { error: string } => {
  const cat = buildCatalog(ir);
  if (!cat.ok) return { error: cat.message };
  return { ir, irHash: schemaIrHash(ir), catalog: cat.catalog };
});

function catalogError(source: string, offset: number, message: string): SchemaCompile {
  return { ok: false, error: { ...positioned(source, offset, message), kind: "catalog" } };
}
