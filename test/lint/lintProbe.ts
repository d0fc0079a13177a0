import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export const ROOT = join(import.meta.dirname, "../..");
const BIOME = join(ROOT, "node_modules/.bin/biome");

/**
 * Lints `code` as if it lived at `path`, with the project's own config and plugin, in a
 * scratch folder (never the working tree). `withSrc` copies src/ beside it, for probes that
 * import the real model (type-aware rules follow the imports).
 */
export function lintAs(
  path: string,
  code: string,
  opts: { readonly withSrc?: boolean } = {},
): { status: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), "lint-probe-"));
  try {
    cpSync(join(ROOT, "biome.json"), join(dir, "biome.json"));
    cpSync(join(ROOT, "lint"), join(dir, "lint"), { recursive: true });
    if (opts.withSrc) cpSync(join(ROOT, "src"), join(dir, "src"), { recursive: true });
    mkdirSync(join(dir, dirname(path)), { recursive: true });
    writeFileSync(join(dir, path), `${code}\n`);
    const r = spawnSync(BIOME, ["lint", path], { cwd: dir, encoding: "utf8" });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
