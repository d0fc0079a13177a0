import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { InputError } from "../cli/InputError.ts";
import { formatIssues } from "../scenario/formatIssues.ts";
import { type ScriptedScenario, ScriptedScenarioSchema } from "../scenario/schema.ts";
import { HARNESS_VERSION } from "../version.ts";
import type { Feature } from "./features.ts";

/**
 * The guided fleet's corpus: the universes that reached something new, each a scripted
 * scenario (its recorded steps, fixture and serve mode; no defects, those are the run's) and
 * the seed it runs with, plus what it reached. Saved as one JSON file in the corpus folder,
 * versioned and checked with zod on load: a file that is not a corpus of this format, of this
 * harness version and of this scenario is refused as a whole, never half-read.
 */
export const CORPUS_FORMAT = "omnigraph-sim/guided-corpus";
export const CORPUS_FORMAT_VERSION = 1;
export const CORPUS_FILE = "corpus.json";
/** A corpus file is at most this big (a corpus of thousands of entries is a few MB). */
export const MAX_CORPUS_BYTES = 256 * 1024 * 1024;

export interface CorpusEntry {
  /** Its number in the corpus (entries are never renumbered). */
  readonly id: number;
  /** How it came about: `default seed 3`, or `e4 > insert apply@3`. */
  readonly origin: string;
  readonly seed: number;
  readonly scenario: ScriptedScenario;
  /** Every feature it reached, sorted (its energy is computed from their rarity). */
  readonly features: readonly Feature[];
  /** The features it was the first to reach. */
  readonly novel: readonly Feature[];
  readonly traceHash: string;
}

export interface Corpus {
  /** The scenario the corpus grew from (a corpus of another scenario is refused). */
  readonly scenario: string;
  /** Guided runs that wrote it before, and the universes they ran. */
  runs: number;
  universes: number;
  readonly entries: CorpusEntry[];
  /** Universes (over every run) that reached each feature: the rarity behind the energy. */
  readonly counts: Map<Feature, number>;
}

const EntrySchema = z
  .object({
    id: z.number().int().min(0),
    origin: z.string(),
    seed: z.number().int().min(1),
    scenario: ScriptedScenarioSchema,
    features: z.array(z.string()),
    novel: z.array(z.string()),
    traceHash: z.string().regex(/^[0-9a-f]{16}$/),
  })
  .strict();

const CorpusFileSchema = z
  .object({
    format: z.literal(CORPUS_FORMAT),
    formatVersion: z.literal(CORPUS_FORMAT_VERSION),
    harnessVersion: z.string(),
    scenario: z.string(),
    runs: z.number().int().min(0),
    universes: z.number().int().min(0),
    counts: z.record(z.string(), z.number().int().min(1)),
    entries: z.array(EntrySchema),
  })
  .strict()
  .refine((c) => c.entries.every((e, i) => e.id === i), {
    message: "entries must be numbered 0, 1, 2, ... in order",
    path: ["entries"],
  });

export function emptyCorpus(scenario: string): Corpus {
  return { scenario, runs: 0, universes: 0, entries: [], counts: new Map() };
}

export function corpusPath(dir: string): string {
  return join(dir, CORPUS_FILE);
}

/** The file's text: keys in a fixed order, features counted in sorted order. Pure. */
export function corpusText(c: Corpus): string {
  const counts = Object.fromEntries([...c.counts].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
  return `${JSON.stringify({
    format: CORPUS_FORMAT,
    formatVersion: CORPUS_FORMAT_VERSION,
    harnessVersion: HARNESS_VERSION,
    scenario: c.scenario,
    runs: c.runs,
    universes: c.universes,
    counts,
    entries: c.entries,
  })}\n`;
}

/** Writes the corpus into `dir` (created if need be) by a rename, so no reader sees half a file. */
export function saveCorpus(dir: string, c: Corpus): void {
  try {
    mkdirSync(dir, { recursive: true });
    const path = corpusPath(dir);
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, corpusText(c));
    renameSync(tmp, path);
  } catch (e) {
    throw new InputError(
      "corpus_unwritable",
      `cannot write the corpus into '${dir}' (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    );
  }
}

/**
 * The corpus in `dir` for `scenario`: an empty one when the folder or its file does not exist
 * yet; throws InputError (exit 2) for anything else that is not a whole, valid corpus of this
 * format, harness version and scenario.
 */
export function loadCorpus(dir: string, scenario: string): Corpus {
  const path = corpusPath(dir);
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw new InputError("corpus_invalid", `--corpus ${dir}: not a folder`);
  if (!existsSync(path)) return emptyCorpus(scenario);
  const refuse = (why: string) =>
    new InputError("corpus_invalid", `refusing corpus ${path}: ${why}`);
  let text: string;
  try {
    if (!statSync(path).isFile()) throw refuse("not a file");
    if (statSync(path).size > MAX_CORPUS_BYTES)
      throw refuse(`larger than ${MAX_CORPUS_BYTES} bytes`);
    text = readFileSync(path, "utf8");
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw refuse(`cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw refuse(`not JSON (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`);
  }
  const head = z.object({ format: z.unknown(), harnessVersion: z.unknown() }).safeParse(value);
  if (!head.success || head.data.format !== CORPUS_FORMAT)
    throw refuse(`not a guided corpus (no "format": "${CORPUS_FORMAT}")`);
  const parsed = CorpusFileSchema.safeParse(value);
  if (!parsed.success) throw refuse(formatIssues("invalid", parsed.error.issues));
  const f = parsed.data;
  if (f.harnessVersion !== HARNESS_VERSION)
    throw refuse(
      `written by harness version ${f.harnessVersion}, this checkout is ${HARNESS_VERSION} (its universes would not replay as recorded; start a new corpus)`,
    );
  if (f.scenario !== scenario)
    throw refuse(`it grew from scenario '${f.scenario}', not '${scenario}'`);
  return {
    scenario: f.scenario,
    runs: f.runs,
    universes: f.universes,
    entries: f.entries,
    counts: new Map(Object.entries(f.counts)),
  };
}
