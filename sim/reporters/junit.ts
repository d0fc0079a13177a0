import type { Reporter } from "../orchestrator/reporter.ts";
import type { Report, ReportEnd, Summary, UniverseRecord } from "../report/schema.ts";
import { formatFailure } from "./format.ts";
import type { TextOut } from "./json.ts";

function esc(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .split("")
    .filter((c) => !XML_FORBIDDEN.has(c.charCodeAt(0)))
    .join("");
}

/** Control characters XML 1.0 cannot carry at all (tab, newline and carriage return it can). */
const XML_FORBIDDEN: ReadonlySet<number> = new Set(
  Array.from({ length: 32 }, (_, i) => i).filter((i) => i !== 9 && i !== 10 && i !== 13),
);

/** The `<testsuites>` line: the fleet's totals (and the signal that cut it short, if any). */
function suitesOpen(s: Summary): string {
  return `<testsuites name="omnigraph-sim" tests="${s.universes}" failures="${s.failed}" errors="${s.crashed}" time="${(s.elapsedMs / 1000).toFixed(3)}"${s.interrupted !== undefined ? ` interrupted="${s.interrupted}"` : ""}>`;
}

interface SuiteCounts {
  tests: number;
  failures: number;
  errors: number;
}

function suiteOpen(scenario: string, c: SuiteCounts): string {
  return `  <testsuite name="${esc(scenario)}" tests="${c.tests}" failures="${c.failures}" errors="${c.errors}">`;
}

/** One universe's `<testcase>`, its lines each ending in a newline. */
function testcase(u: UniverseRecord): string {
  const scenario = u.scenario;
  const name = `${scenario} seed ${u.seed}`;
  if (u.verdict === "pass")
    return `    <testcase classname="${esc(scenario)}" name="${esc(name)}"/>\n`;
  const tag = u.verdict === "crash" ? "error" : "failure";
  const first = u.violations[0];
  const message = first ? `${first.oracle}: ${first.code}` : (u.error ?? "failed");
  return (
    `    <testcase classname="${esc(scenario)}" name="${esc(name)}">\n` +
    `      <${tag} message="${esc(message)}">${esc(formatFailure(u).join("\n"))}</${tag}>\n` +
    "    </testcase>\n"
  );
}

/** JUnit XML: one testsuite per scenario, one testcase per universe. Pure. */
export function toJunit(report: Report): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n'];
  const s = report.summary;
  out.push(`${suitesOpen(s)}\n`);
  for (const scenario of s.scenarios) {
    const us = report.universes.filter((u) => u.scenario === scenario);
    out.push(
      `${suiteOpen(scenario, {
        tests: us.length,
        failures: us.filter((u) => u.verdict === "fail").length,
        errors: us.filter((u) => u.verdict === "crash").length,
      })}\n`,
    );
    for (const u of us) out.push(testcase(u));
    out.push("  </testsuite>\n");
  }
  out.push("</testsuites>\n");
  return out.join("");
}

/**
 * Scratch space a streaming reporter appends to and reads back at its end (a file beside
 * nothing the user named, removed at the end; in memory for tests). Offsets are in bytes.
 */
export interface Spool {
  append(text: string): void;
  /** The bytes from `start` to `end`, in chunks. */
  read(start: number, end: number, chunk: (bytes: Uint8Array) => void): void;
  dispose(): void;
}

/**
 * The JUnit report as the fleet runs: a testsuite's counts come before its testcases, so each
 * testcase goes to a spool as its universe finishes, with its scenario's counts and byte
 * ranges kept; at the end the file is the header, then per scenario its line and its spooled
 * testcases, byte for byte what `toJunit` makes of the same universes.
 */
export class JunitReporter implements Reporter {
  private readonly suites = new Map<string, SuiteCounts & { ranges: Array<[number, number]> }>();
  private bytes = 0;

  constructor(
    private readonly out: TextOut,
    private readonly spool: Spool,
  ) {}

  onStart(): void {}

  onUniverse(u: UniverseRecord): void {
    let suite = this.suites.get(u.scenario);
    if (suite === undefined) {
      suite = { tests: 0, failures: 0, errors: 0, ranges: [] };
      this.suites.set(u.scenario, suite);
    }
    suite.tests++;
    if (u.verdict === "fail") suite.failures++;
    if (u.verdict === "crash") suite.errors++;
    const text = testcase(u);
    const start = this.bytes;
    this.bytes += Buffer.byteLength(text);
    this.spool.append(text);
    const last = suite.ranges.at(-1);
    if (last !== undefined && last[1] === start) last[1] = this.bytes;
    else suite.ranges.push([start, this.bytes]);
  }

  onEnd(end: ReportEnd): void {
    try {
      this.out.write(`<?xml version="1.0" encoding="UTF-8"?>\n${suitesOpen(end.summary)}\n`);
      for (const scenario of end.summary.scenarios) {
        const suite = this.suites.get(scenario);
        if (suite === undefined) continue;
        this.out.write(`${suiteOpen(scenario, suite)}\n`);
        for (const [start, stop] of suite.ranges)
          this.spool.read(start, stop, (bytes) => this.out.write(bytes));
        this.out.write("  </testsuite>\n");
      }
      this.out.write("</testsuites>\n");
      this.out.finish();
    } finally {
      this.spool.dispose();
    }
  }
}
