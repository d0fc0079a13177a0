import { readFileSync } from "node:fs";
import { z } from "zod";
import { isDefectName } from "../../src/world/defects.ts";
import { InputError } from "../cli/InputError.ts";
import { OP_NAMES, type OpName } from "../ops/index.ts";
import { FixtureSchema, StepSchema } from "../scenario/schema.ts";
import { HARNESS_VERSION } from "../version.ts";
import type { Exploration, Found, Order } from "./explore.ts";
import { CRASH_MODES } from "./transitions.ts";

/**
 * An exploration as JSON (`--json`): everything but `timing` is a function of the config and
 * the shard, so shard reports of one config merge into exactly what one run would report (see
 * `mergeExplorations` for the one approximation).
 */
export interface ExploreReport extends Exploration {
  readonly kind: "omnigraph-sim-explore";
  readonly harness: string;
  readonly timing?: { readonly elapsedMs: number };
}

export function toReport(e: Exploration, elapsedMs?: number): ExploreReport {
  return {
    kind: "omnigraph-sim-explore",
    harness: HARNESS_VERSION,
    ...e,
    ...(elapsedMs !== undefined ? { timing: { elapsedMs: Math.round(elapsedMs) } } : {}),
  };
}

const OrderSchema = z.tuple([z.number(), z.number(), z.number(), z.number()]);
const Count = z.number().int().min(0);

const FoundSchema = z
  .object({
    oracle: z.string(),
    code: z.string(),
    finding: z.string().optional(),
    step: z.number().int(),
    expected: z.string(),
    observed: z.string(),
    path: z.array(StepSchema),
    liveness: z.boolean(),
    depth: Count,
    order: OrderSchema,
    paths: Count,
    pathsLast: Count,
    state: z.string().optional(),
  })
  .strict();

const ReportSchema = z
  .object({
    kind: z.literal("omnigraph-sim-explore"),
    harness: z.string(),
    config: z
      .object({
        fixtureName: z.string(),
        fixture: FixtureSchema,
        serve: z.object({ strict: z.boolean() }).strict(),
        depth: z.number().int().min(1),
        crashes: z.enum(CRASH_MODES),
        ops: z.array(z.enum(OP_NAMES as [OpName, ...OpName[]])),
        hostile: z.boolean(),
        seed: z.number().int().min(1),
        defects: z.array(z.string().refine(isDefectName, { message: "unknown defect" })),
        liveness: z.boolean(),
      })
      .strict(),
    shard: z.object({ index: z.number().int().min(1), count: z.number().int().min(1) }).nullable(),
    levels: z.array(
      z
        .object({
          depth: Count,
          parents: Count,
          steps: Count,
          transitions: Count,
          newStates: Count,
        })
        .strict(),
    ),
    statesBefore: Count,
    finalStates: z.array(
      z.object({ digest: z.string(), order: OrderSchema, live: z.boolean().nullable() }).strict(),
    ),
    livenessBefore: z.object({ checked: Count, failed: Count }).strict(),
    violations: z.array(FoundSchema),
    known: z.array(FoundSchema),
    truncated: z.string().nullable(),
    timing: z.object({ elapsedMs: z.number() }).strict().optional(),
  })
  .strict();

/** Reads a shard report; anything else (or a report of another harness version) is refused. */
export function loadExploreReport(path: string): ExploreReport {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new InputError(
      "report_unreadable",
      `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InputError("report_invalid", `${path}: not JSON`);
  }
  const r = ReportSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new InputError(
      "report_invalid",
      `${path}: not an explore report (${i?.path.join(".") || "root"}: ${i?.message ?? "invalid"})`,
    );
  }
  if (r.data.harness !== HARNESS_VERSION)
    throw new InputError(
      "report_invalid",
      `${path}: written by harness version ${r.data.harness}, this checkout is ${HARNESS_VERSION}`,
    );
  return r.data as unknown as ExploreReport;
}

function less(a: Order, b: Order): boolean {
  for (let i = 0; i < 4; i++) if (a[i] !== b[i]) return (a[i] as number) < (b[i] as number);
  return false;
}

/**
 * Merges the shard reports of one config (`--shard K/N` for every K) into the report one
 * unsharded run gives: the levels before the last are every shard's (equal), the last level's
 * transitions are summed and its states are the union of the shards' by digest, each with the
 * transition that reached it first in breadth-first order. A liveness verdict of a last-level
 * state counts only from the shard whose history reached it first; a violation found by such a
 * run elsewhere is kept only if no first-reached run found its oracle and code (then it is a
 * real violation with an equally short history, which one run might have reported by another).
 */
export function mergeExplorations(reports: readonly ExploreReport[]): ExploreReport {
  const first = reports[0];
  if (first === undefined) throw new InputError("bad_arguments", "--merge needs shard reports");
  const cfg = JSON.stringify(first.config);
  const count = first.shard?.count;
  if (count === undefined)
    throw new InputError("bad_arguments", "--merge takes shard reports (written with --shard)");
  const have = new Set<number>();
  for (const r of reports) {
    if (JSON.stringify(r.config) !== cfg)
      throw new InputError("bad_arguments", "--merge: the reports explore different configs");
    if (r.shard?.count !== count)
      throw new InputError("bad_arguments", "--merge: the reports split the frontier differently");
    if (have.has(r.shard.index))
      throw new InputError("bad_arguments", `--merge: shard ${r.shard.index}/${count} given twice`);
    have.add(r.shard.index);
  }
  for (let k = 1; k <= count; k++)
    if (!have.has(k)) throw new InputError("bad_arguments", `--merge: shard ${k}/${count} missing`);

  const lastDepth = first.config.depth;
  const finals = new Map<string, Exploration["finalStates"][number]>();
  for (const r of reports)
    for (const s of r.finalStates) {
      const had = finals.get(s.digest);
      if (had === undefined || less(s.order, had.order)) finals.set(s.digest, s);
    }
  const levels = first.levels.map((l) => {
    if (l.depth !== lastDepth) return l;
    let parents = 0;
    let steps = 0;
    let transitions = 0;
    for (const r of reports) {
      const m = r.levels.find((x) => x.depth === lastDepth);
      parents += m?.parents ?? 0;
      steps += m?.steps ?? 0;
      transitions += m?.transitions ?? 0;
    }
    return { depth: l.depth, parents, steps, transitions, newStates: finals.size };
  });
  const valid = (f: Found): boolean => {
    if (!f.liveness || f.depth !== lastDepth || f.state === undefined) return true;
    const s = finals.get(f.state);
    return s === undefined || (!less(s.order, f.order) && !less(f.order, s.order));
  };
  const mergeFound = (pick: (r: ExploreReport) => readonly Found[]): Found[] => {
    const byKey = new Map<string, Found[]>();
    for (const r of reports)
      for (const f of pick(r)) {
        const key = `${f.finding ?? ""}/${f.oracle}/${f.code}`;
        byKey.set(key, [...(byKey.get(key) ?? []), f]);
      }
    const out: Found[] = [];
    for (const fs of byKey.values()) {
      const ok = fs.filter(valid);
      const pool = ok.length > 0 ? ok : fs;
      let best = pool[0] as Found;
      for (const f of pool) if (less(f.order, best.order)) best = f;
      let before = 0;
      let lastPaths = 0;
      for (const f of fs) {
        before = Math.max(before, f.paths - f.pathsLast);
        lastPaths += f.pathsLast;
      }
      out.push({ ...best, paths: before + lastPaths, pathsLast: lastPaths });
    }
    return out.sort((a, b) => (less(a.order, b.order) ? -1 : 1));
  };
  const truncated = reports
    .map((r) => r.truncated)
    .filter((t): t is string => t !== null)
    .filter((t, i, all) => all.indexOf(t) === i);
  return {
    kind: "omnigraph-sim-explore",
    harness: HARNESS_VERSION,
    config: first.config,
    shard: null,
    levels,
    statesBefore: first.statesBefore,
    finalStates: [...finals.values()].sort((a, b) => (a.digest < b.digest ? -1 : 1)),
    livenessBefore: first.livenessBefore,
    violations: mergeFound((r) => r.violations),
    known: mergeFound((r) => r.known),
    truncated: truncated.length > 0 ? truncated.join("; ") : null,
  };
}
