import { parseHTML } from "linkedom";
import { KNOWN_FINDINGS } from "../../sim/findings/index.ts";
import { allOracles } from "../../sim/oracles/index.ts";
import { buildReport, toRecord } from "../../sim/orchestrator/fleet.ts";
import { renderHtmlReport, type TraceEntry } from "../../sim/report/html/render.ts";
import { replayFailures } from "../../sim/report/html/traces.ts";
import type { Report } from "../../sim/report/schema.ts";
import { findScenario, shippedScenarios } from "../../sim/scenario/registry.ts";
import { modelOracleDeps, modelSystem } from "../../sim/universe/modelSystem.ts";
import { runUniverse } from "../../sim/universe/run.ts";
import type { DefectName } from "../../src/world/defects.ts";
import type { TraceEvent } from "../../src/world/trace.ts";

/** The slice of the DOM the tests use (the project compiles without the DOM lib). */
export interface El {
  readonly textContent: string | null;
  readonly className: string;
  readonly attributes: Iterable<{ readonly name: string; readonly value: string }>;
  readonly previousElementSibling: El | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): Iterable<El> & { readonly length: number };
  closest(selector: string): El | null;
}
export type Doc = Pick<El, "querySelector" | "querySelectorAll">;

export interface Built {
  readonly report: Report;
  readonly traces: TraceEntry[];
  /** The trace of each universe as run (for comparison with what the page shows). */
  readonly events: TraceEvent[][];
  readonly html: string;
  readonly document: Doc;
}

/** Runs universes, builds their report (fixed timings), replays the failures, renders. */
export async function buildPage(
  cases: ReadonlyArray<{ scenario: string; seed: number; defects?: DefectName[] }>,
): Promise<Built> {
  const all = shippedScenarios();
  const records = [];
  const reached = new Map<string, number>();
  const events: TraceEvent[][] = [];
  for (const c of cases) {
    const job = { scenario: findScenario(c.scenario, all), seed: c.seed, defects: c.defects ?? [] };
    const { result, universe } = await runUniverse(job, {
      system: modelSystem(),
      oracles: allOracles(modelOracleDeps),
      findings: KNOWN_FINDINGS,
    });
    for (const [n, k] of result.reached) reached.set(n, (reached.get(n) ?? 0) + k);
    records.push(toRecord(job, result));
    events.push([...universe.world.trace.events]);
  }
  const report = buildReport(records, reached, [], 1234, false);
  const traces = await replayFailures(report, {
    resolve: (rec) => findScenario(rec.scenario, all),
  });
  const html = renderHtmlReport({ report, traces });
  const { document } = parseHTML(html);
  return { report, traces, events, html, document: document as unknown as Doc };
}

export function parse(html: string): Doc {
  return parseHTML(html).document as unknown as Doc;
}

/** A replay line as long as a --file run in a nested folder prints one: wider than 1,400 px. */
export const LONG_REPLAY =
  "pnpm sim replay --file 'a rather long folder name for scenario files/and another level of them/my-trap-case-with-a-long-name.yaml' --seed 1 --defect arm-before-preview --pin h4-f4b28e6c893a";
