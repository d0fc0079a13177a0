import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, brotliDecompressSync, constants } from "node:zlib";
import { REPO_ROOT } from "../paths.ts";

/**
 * The traces behind the golden hashes: scenario name → seed → every trace line. A hash alone
 * says that a seed changed meaning, not how; with the committed trace beside it the check
 * names the first line that differs, old and new. Stored brotli-compressed (the traces of
 * every golden universe are some 2.5 MB of text that shrinks some eightyfold: one fixture's
 * birth and store keys repeat across scenarios and seeds) and written with golden.json.
 */
export const GOLDEN_TRACES_PATH = join(REPO_ROOT, "test/determinism/golden-traces.json.br");

export type GoldenTraces = Record<string, Record<string, readonly string[]>>;

export function encodeGoldenTraces(traces: GoldenTraces): Buffer {
  return brotliCompressSync(JSON.stringify(traces), {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_LGWIN]: 24 },
  });
}

/** The committed traces, or null when the file is missing or unreadable (then no lines). */
export function readGoldenTraces(path = GOLDEN_TRACES_PATH): GoldenTraces | null {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(brotliDecompressSync(readFileSync(path)).toString("utf8")) as GoldenTraces;
  } catch {
    return null;
  }
}

/**
 * The trace hash of formatted lines: the bytes `Trace.hash` feeds (each line and a newline).
 * A committed trace is used only when it hashes to the committed golden hash, so a trace file
 * left behind by a golden.json edited some other way shows nothing rather than a wrong line.
 */
export function hashTraceLines(lines: readonly string[]): string {
  const h = createHash("sha256");
  for (const line of lines) h.update(`${line}\n`);
  return h.digest("hex").slice(0, 16);
}

/** Lines of context printed before the first difference. */
const CONTEXT = 3;

/**
 * Where `now` first departs from `was`, as lines for a reader: a few shared lines before it,
 * then the old line (`-`) and the new one (`+`), numbered from 1. One trace ending early is
 * shown as its end. Null when the two are the same.
 */
export function firstDifference(was: readonly string[], now: readonly string[]): string[] | null {
  const n = Math.min(was.length, now.length);
  let i = 0;
  while (i < n && was[i] === now[i]) i++;
  if (i === was.length && i === now.length) return null;
  const width = String(Math.max(was.length, now.length)).length;
  const num = (k: number) => String(k + 1).padStart(width);
  const out = [`first difference at line ${i + 1} (was ${was.length} lines, now ${now.length}):`];
  for (let k = Math.max(0, i - CONTEXT); k < i; k++) out.push(`    ${num(k)}  ${now[k]}`);
  out.push(i < was.length ? `  - ${num(i)}  ${was[i]}` : `  - ${" ".repeat(width)}  (trace ended)`);
  out.push(i < now.length ? `  + ${num(i)}  ${now[i]}` : `  + ${" ".repeat(width)}  (trace ended)`);
  return out;
}
