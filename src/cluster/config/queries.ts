import { compareStrings } from "../../util/json.ts";
import { type Diagnostic, error, errorText, warning } from "../diagnostics.ts";
import { type CompiledCatalog, parseQueryFile, typecheckQueryDecl } from "../engineLang.ts";
import { joinPath, resolveConfigPath, type WorkTree } from "../worktree.ts";
import type { QueriesDecl } from "./raw.ts";

export interface ResolvedQueries {
  /** Query name → the declared (config-relative) file that holds it. */
  readonly registry: Map<string, string>;
  /** Declared file → its text, read once at discovery and reused for digests and checks. */
  readonly contents: Map<string, string>;
}

/**
 * Expands a graph's query declaration into name → file. Discovery reads and parses each
 * `.gq` it finds; a declaration the tool cannot enumerate is an error, not a partial result.
 */
export async function resolveQueryDecls(
  workTree: WorkTree,
  configDir: string,
  graphId: string,
  decl: QueriesDecl,
  diagnostics: Diagnostic[],
): Promise<ResolvedQueries> {
  if (decl.form === "explicit") {
    const registry = new Map<string, string>();
    for (const [name, c] of [...decl.map].sort((a, b) => compareStrings(a[0], b[0]))) {
      registry.set(name, c.file);
    }
    return { registry, contents: new Map() };
  }
  const declaredPaths = decl.form === "discover" ? [decl.path] : [...decl.paths];
  const files: Array<{ declared: string; resolved: string }> = [];
  for (const declared of declaredPaths) {
    const resolved = resolveConfigPath(configDir, declared);
    if (await workTree.isDirectory(resolved)) {
      let names: string[];
      try {
        names = await workTree.readdir(resolved);
      } catch (e) {
        diagnostics.push(
          error(
            "query_dir_unreadable",
            `graphs.${graphId}.queries`,
            `could not list query directory '${resolved}': ${errorText(e)}`,
          ),
        );
        continue;
      }
      const gq = names.filter((n) => n.endsWith(".gq")).sort(compareStrings);
      if (gq.length === 0) {
        diagnostics.push(
          warning(
            "query_dir_empty",
            `graphs.${graphId}.queries`,
            `query directory '${resolved}' contains no .gq files`,
          ),
        );
      }
      for (const name of gq) {
        files.push({ declared: joinPath(declared, name), resolved: joinPath(resolved, name) });
      }
    } else {
      files.push({ declared, resolved });
    }
  }

  const registry = new Map<string, string>();
  const contents = new Map<string, string>();
  for (const { declared, resolved } of files) {
    let source: string;
    try {
      source = await workTree.readText(resolved);
    } catch (e) {
      diagnostics.push(
        error(
          "query_file_missing",
          `graphs.${graphId}.queries`,
          `could not read query file '${resolved}': ${errorText(e)}`,
        ),
      );
      continue;
    }
    const parsed = parseQueryFile(source);
    if (!parsed.ok) {
      diagnostics.push(
        error(
          "query_parse_error",
          `graphs.${graphId}.queries`,
          `'${resolved}' does not parse: ${parsed.message}`,
        ),
      );
      continue;
    }
    for (const q of parsed.queries) {
      const previous = registry.get(q.name);
      if (previous !== undefined) {
        diagnostics.push(
          error(
            "duplicate_query_name",
            `graphs.${graphId}.queries.${q.name}`,
            `query '${q.name}' is declared in both '${previous}' and '${declared}'`,
          ),
        );
        continue;
      }
      registry.set(q.name, declared);
    }
    contents.set(declared, source);
  }
  // Upstream keeps the registry in a sorted map.
  return {
    registry: new Map([...registry].sort((a, b) => compareStrings(a[0], b[0]))),
    contents,
  };
}

/** Parses a query file, finds `query <name>` in it and type-checks it against the schema. */
export function validateQuerySource(
  graphId: string,
  queryName: string,
  source: string,
  catalog: CompiledCatalog | null,
  diagnostics: Diagnostic[],
): void {
  const path = `graphs.${graphId}.queries.${queryName}`;
  const parsed = parseQueryFile(source);
  if (!parsed.ok) {
    diagnostics.push(error("query_parse_error", path, parsed.message));
    return;
  }
  const decl = parsed.queries.find((q) => q.name === queryName);
  if (decl === undefined) {
    diagnostics.push(
      error(
        "query_key_mismatch",
        path,
        `no \`query ${queryName}\` declaration found in the referenced .gq file`,
      ),
    );
    return;
  }
  if (catalog === null) {
    diagnostics.push(
      warning(
        "query_typecheck_skipped",
        path,
        "query parsed, but type-check was skipped because the graph schema is invalid",
      ),
    );
    return;
  }
  const problem = typecheckQueryDecl(catalog, decl);
  if (problem !== null) diagnostics.push(error("query_typecheck_error", path, problem));
}
