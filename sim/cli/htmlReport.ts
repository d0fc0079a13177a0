import { readFileSync } from "node:fs";
import type { Reporter } from "../orchestrator/reporter.ts";
import { renderHtmlReport } from "../report/html/render.ts";
import { type ReplayRef, replayFailures } from "../report/html/traces.ts";
import {
  type Report,
  type ReportEnd,
  ReportSchema,
  type UniverseRecord,
} from "../report/schema.ts";
import { formatIssues } from "../scenario/formatIssues.ts";
import { loadScenarioFile } from "../scenario/load.ts";
import { findScenario, shippedScenarios } from "../scenario/registry.ts";
import type { Scenario } from "../scenario/schema.ts";
import { InputError } from "./InputError.ts";
import { writeOut } from "./output.ts";

/** The I/O around the pure HTML renderer (sim/report/html): reading, replaying, writing. */

interface Sink {
  readonly out: (line: string) => void;
  readonly err: (text: string) => void;
}

/** Reads and validates a saved JSON report; every problem is one line and an InputError. */
export function loadReport(path: string): Report {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new InputError(
      "report_unreadable",
      `${path}: cannot read report (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new InputError(
      "report_unparseable",
      `${path}: not JSON (${((e as Error).message.split("\n")[0] ?? "").trim()})`,
    );
  }
  const r = ReportSchema.safeParse(data);
  if (!r.success) {
    const issues = r.error.issues;
    const first = formatIssues(path, issues.slice(0, 1));
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more issue(s))` : "";
    throw new InputError("report_invalid", `not an omnigraph-sim JSON report: ${first}${more}`);
  }
  return r.data;
}

/** Scenarios for replays: those of this run by name, else shipped ones or a `--file`. */
function resolver(known: readonly Scenario[]) {
  let shipped: Scenario[] | null = null;
  return (rec: UniverseRecord, ref: ReplayRef): Scenario => {
    const here = known.find((s) => s.name === rec.scenario);
    if (here !== undefined) return here;
    if (ref.file !== undefined) return loadScenarioFile(ref.file);
    shipped ??= shippedScenarios();
    const name = ref.scenario ?? rec.scenario;
    if (!shipped.some((x) => x.name === name))
      throw new InputError(
        "scenario_unknown",
        `cannot replay ${name} seed ${rec.seed}: no shipped scenario has that name (for a report of a scenario file, add --file PATH)`,
      );
    return findScenario(name, shipped);
  };
}

/** Replays the report's failing universes and writes the page. */
export async function writeHtmlReport(
  report: Report,
  path: string,
  scenarios: readonly Scenario[],
  io: Sink,
): Promise<void> {
  const traces = await replayFailures(report, {
    resolve: resolver(scenarios),
    warn: (m) => io.err(`omnigraph-sim: warning: ${m}\n`),
  });
  writeOut(path, renderHtmlReport({ report, traces }));
  const n = traces.filter((t) => t.events !== undefined).length;
  io.out(`wrote ${path} (${report.universes.length} universes, ${n} timeline(s))`);
}

/**
 * The HTML report of a fleet: its page numbers every universe and counts where failpoints
 * fired, so this reporter keeps every record (the one output whose memory grows with the
 * fleet; for a million universes, write --json and `pnpm sim report` only what you need).
 * Written at the end, also when a signal stopped the fleet.
 */
export class HtmlReporter implements Reporter {
  private readonly records: UniverseRecord[] = [];

  constructor(
    private readonly path: string,
    private readonly scenarios: readonly Scenario[],
    private readonly io: Sink,
  ) {}

  onStart(): void {}

  onUniverse(record: UniverseRecord): void {
    this.records.push(record);
  }

  async onEnd(end: ReportEnd): Promise<void> {
    const { reached, summary, ...head } = end;
    const report: Report = { ...head, universes: this.records, reached, summary };
    await writeHtmlReport(report, this.path, this.scenarios, this.io);
  }
}

/** `pnpm sim report REPORT.json --html FILE` (with `--file` for a report of a scenario file). */
export async function reportCommand(
  input: string | undefined,
  html: string | undefined,
  file: string | undefined,
  io: Sink,
): Promise<number> {
  if (input === undefined)
    throw new InputError(
      "bad_arguments",
      "report needs a saved JSON report: pnpm sim report REPORT.json --html FILE",
    );
  if (html === undefined)
    throw new InputError("bad_arguments", "report needs --html FILE (the page to write)");
  const report = loadReport(input);
  await writeHtmlReport(report, html, file !== undefined ? [loadScenarioFile(file)] : [], io);
  return 0;
}
