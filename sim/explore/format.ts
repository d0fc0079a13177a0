import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { writeOut } from "../cli/output.ts";
import { replayPin, shellWord } from "../orchestrator/replayLine.ts";
import { parseScenarioText } from "../scenario/load.ts";
import { type ExploreConfig, type Found, pathScenario } from "./explore.ts";
import type { ExploreReport } from "./report.ts";
import { describeStep } from "./transitions.ts";

/** The figures of a report: what its summary line says. */
export interface Totals {
  readonly states: number;
  readonly transitions: number;
  /** Share of transitions that reached a state already known. */
  readonly dedup: number;
  readonly depth: number;
  readonly liveChecked: number;
  readonly liveFailed: number;
}

export function totals(r: ExploreReport): Totals {
  const states = r.statesBefore + r.finalStates.length;
  const transitions = r.levels.reduce((n, l) => n + l.transitions, 0);
  const last = r.levels[r.levels.length - 1];
  const finalLive = r.finalStates.filter((s) => s.live !== null);
  return {
    states,
    transitions,
    dedup: transitions === 0 ? 0 : 1 - (states - 1) / transitions,
    depth: last?.depth ?? 0,
    liveChecked: r.livenessBefore.checked + finalLive.length,
    liveFailed: r.livenessBefore.failed + finalLive.filter((s) => s.live === false).length,
  };
}

/** Where a found history is written, and the line that replays it. */
export interface Written {
  readonly file: string;
  readonly replay: string;
}

/**
 * Writes a found history as a scripted scenario under `dir`, headed like a shrunk failure (its
 * pin and replay line), and returns the line. Birth itself (an empty history) has no file.
 */
export function writeFound(f: Found, c: ExploreConfig, dir: string): Written | null {
  if (f.path.length === 0) return null;
  const what = f.finding !== undefined ? `known ${f.finding}: ` : "";
  const note = `found by pnpm sim explore from the fixture of ${c.fixtureName} at depth ${f.depth}: ${what}${f.oracle} ${f.code}`;
  const scenario = pathScenario(c, f.path, f.liveness, note);
  const body = stringify(scenario);
  const name = `explore--${f.finding !== undefined ? `${f.finding}--` : ""}${f.oracle}--${f.code}--${c.fixtureName}.yaml`;
  const file = join(dir, name);
  const pin = replayPin(parseScenarioText(body, file));
  const replay = `pnpm sim replay --file ${shellWord(file)} --seed ${c.seed} --pin ${pin}`;
  mkdirSync(dir, { recursive: true });
  writeOut(
    file,
    `# ${note}\n# the shortest history (breadth-first) that reaches it: ${f.path.length} steps.\n# pin: ${pin}\n# replay: ${replay}\n${body}`,
  );
  return { file, replay };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The report as text (deterministic: no timings), writing each found history under `dir`. */
export function formatExploration(r: ExploreReport, dir: string): string[] {
  const c = r.config;
  const t = totals(r);
  const lines: string[] = [];
  lines.push(
    `explore ${c.fixtureName}: graphs [${c.fixture.graphs.join(", ")}], depth ${c.depth}, crashes ${c.crashes}, ${c.ops.length} ops, seed ${c.seed}${c.defects.length > 0 ? `, defects ${c.defects.join(", ")}` : ""}${r.shard !== null ? `, shard ${r.shard.index}/${r.shard.count} of the last level` : ""}`,
  );
  lines.push("depth  parents  steps  transitions  new states");
  for (const l of r.levels)
    lines.push(
      `${String(l.depth).padStart(5)}  ${String(l.parents).padStart(7)}  ${String(l.steps).padStart(5)}  ${String(l.transitions).padStart(11)}  ${String(l.newStates).padStart(10)}`,
    );
  lines.push(
    `${t.states} states over ${t.transitions} transitions (${pct(t.dedup)} reached a known state), depth ${t.depth} reached${r.truncated !== null ? ` (stopped: ${r.truncated})` : ""}`,
  );
  lines.push(
    c.liveness
      ? `liveness: the remedy brought up every applied graph from ${t.liveChecked - t.liveFailed} of ${t.liveChecked} states`
      : "liveness: not checked (--no-liveness)",
  );
  const path = (f: Found) =>
    f.path.length === 0 ? "birth" : f.path.map((s) => describeStep(s)).join(" -> ");
  for (const f of r.violations) {
    lines.push(
      `FAIL [${f.oracle}] ${f.code} at ${f.step < 0 ? "the liveness phase" : `step ${f.step}`}, depth ${f.depth} (${f.paths} path${f.paths === 1 ? "" : "s"})`,
    );
    lines.push(`  history: ${path(f)}${f.liveness ? ", then the liveness phase" : ""}`);
    lines.push(`  expected: ${f.expected}`);
    lines.push(`  observed: ${f.observed}`);
    const w = writeFound(f, c, dir);
    if (w !== null) lines.push(`  ${w.replay}`);
  }
  for (const f of r.known) {
    lines.push(
      `known ${f.finding} [${f.oracle}] ${f.code} at depth ${f.depth} (${f.paths} path${f.paths === 1 ? "" : "s"}): ${path(f)}${f.liveness ? ", then the liveness phase" : ""}`,
    );
    const w = writeFound(f, c, dir);
    if (w !== null) lines.push(`  ${w.replay}`);
  }
  lines.push(
    r.violations.length === 0
      ? `no violation${r.known.length > 0 ? `; ${r.known.length} known finding hit(s)` : ""}`
      : `${r.violations.length} violation(s) by oracle and code${r.known.length > 0 ? `; ${r.known.length} known finding hit(s)` : ""}`,
  );
  return lines;
}
