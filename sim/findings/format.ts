import { stringify } from "yaml";
import { markdownTable } from "../cli/oracleTable.ts";
import type { Step } from "../scenario/schema.ts";
import { UPSTREAM_COMMIT, UPSTREAM_REPOSITORY } from "./KnownFinding.ts";
import {
  FINDING_SEED,
  type FindingReport,
  type FindingsReport,
  reproductionProblems,
  where,
} from "./report.ts";

/* Text and Markdown renderings of a findings report: pure functions, no I/O, no timings. */

function stepText(s: Step): string {
  return stringify(s, { collectionStyle: "flow", lineWidth: 0 }).trimEnd();
}

/** 1000 as 1,000: fixed, not the machine's locale. */
function grouped(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function perThousand(n: number, of: number): string {
  const x = (n * 1000) / of;
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}

/** `code` marks up a literal (backticks in Markdown, nothing in text). */
function fleetLine(r: FindingsReport, f: FindingReport, code: (s: string) => string): string {
  const { scenario, from, count } = r.fleet;
  const range = `${code(scenario)}, seeds ${from}..${from + count - 1}`;
  if (f.fleet.firstSeed === null) return `not hit in ${grouped(count)} universes (${range})`;
  return `hit in ${f.fleet.universes} of ${grouped(count)} universes (${range}): ${perThousand(f.fleet.universes, count)} per 1,000; first at seed ${f.fleet.firstSeed}`;
}

function laterLine(f: FindingReport): string {
  const l = f.finding.laterUpstream;
  return l === null ? "no later fix recorded" : `${l.commit} (${l.date}): ${l.change}`;
}

const problemLines = (f: FindingReport) =>
  reproductionProblems(f).map((p) => `NOT REPRODUCED CLEANLY: ${p}`);

export function formatFindingsText(r: FindingsReport): string[] {
  const lines: string[] = [];
  for (const f of r.findings) {
    const d = f.finding;
    const s = f.scenario;
    lines.push(`${d.id}: ${d.title}`);
    lines.push(`  upstream code path at ${UPSTREAM_COMMIT} (${UPSTREAM_REPOSITORY}):`);
    for (const c of d.codePath) lines.push(`    ${c.file} ${c.function}: ${c.role}`);
    if (d.spec.length > 0) lines.push(`  spec: ${d.spec.join(", ")}`);
    lines.push(`  what goes wrong: ${d.summary}`);
    if ("unusable" in s) {
      lines.push(`  minimal scenario: ${s.name}`);
    } else {
      lines.push(`  minimal scenario: ${s.name} (${s.steps.length} steps)`);
      s.steps.forEach((step, i) => {
        lines.push(`    ${i} ${stepText(step)}`);
      });
      lines.push(`    replay: ${s.replay}`);
      for (const h of s.hits) {
        lines.push(`    known hit at ${where(h.step, s.steps.length)}: [${h.oracle}] ${h.code}`);
        lines.push(`      expected: ${h.expected}`);
        lines.push(`      observed: ${h.observed}`);
      }
    }
    for (const l of problemLines(f)) lines.push(`    ${l}`);
    lines.push(`  default fleet: ${fleetLine(r, f, (x) => x)}`);
    if (f.fleet.firstReplay !== null) lines.push(`    replay: ${f.fleet.firstReplay}`);
    lines.push(`  upstream since ${UPSTREAM_COMMIT}: ${laterLine(f)}`);
    lines.push("");
  }
  const clean = r.findings.filter((f) => reproductionProblems(f).length === 0).length;
  lines.push(
    `${r.findings.length} known findings, ${clean} reproduced cleanly by their scenario at seed ${FINDING_SEED}`,
  );
  return lines;
}

function fileLink(file: string): string {
  return `[\`${file}\`](${UPSTREAM_REPOSITORY}/blob/${UPSTREAM_COMMIT}/${file})`;
}

const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function findingMarkdown(r: FindingsReport, f: FindingReport): string[] {
  const d = f.finding;
  const s = f.scenario;
  const out = [`## ${d.id}`, "", `**${capitalised(d.title)}.**`, "", d.summary, ""];
  out.push(`### Upstream code path at \`${UPSTREAM_COMMIT}\``, "");
  d.codePath.forEach((c, i) => {
    out.push(`${i + 1}. ${fileLink(c.file)} \`${c.function}\`: ${c.role}`);
  });
  if (d.spec.length > 0) out.push("", `Spec: ${d.spec.join(", ")}.`);
  out.push("", "### Minimal scenario", "");
  if ("unusable" in s) {
    out.push(`\`${s.name}\``, "");
  } else {
    out.push(
      `The shipped scripted scenario \`${s.name}\` at seed ${FINDING_SEED} (steps numbered as the violations number them):`,
      "",
      // A text block: biome would reflow a YAML one, and the committed copy must match this.
      "```text",
      ...s.steps.map((step, i) => `${i} ${stepText(step)}`),
      "```",
      "",
      "```sh",
      s.replay,
      "```",
      "",
    );
    for (const h of s.hits) {
      out.push(
        `Known hit: \`${h.oracle}\` / \`${h.code}\` at ${where(h.step, s.steps.length)}.`,
        "",
        "```text",
        `expected: ${h.expected}`,
        `observed: ${h.observed}`,
        "```",
        "",
      );
    }
  }
  for (const l of problemLines(f)) out.push(`**${l}**`, "");
  out.push("### In the default fleet", "", `${capitalised(fleetLine(r, f, (x) => `\`${x}\``))}.`);
  if (f.fleet.firstReplay !== null) out.push("", "```sh", f.fleet.firstReplay, "```");
  out.push(
    "",
    `### Upstream since \`${UPSTREAM_COMMIT}\``,
    "",
    `${capitalised(laterLine(f))}.`,
    "",
  );
  return out;
}

/** docs/FINDINGS.md: every finding as a report an upstream maintainer can act on. */
export function renderFindingsMarkdown(r: FindingsReport): string {
  const { scenario, from, count } = r.fleet;
  const overview = markdownTable(
    ["finding", "title", "scenario", "per 1,000", "first seed"],
    ["left", "left", "left", "center", "center"],
    r.findings.map((f) => [
      `[${f.finding.id}](#${f.finding.id.toLowerCase()})`,
      f.finding.title,
      `\`${f.scenario.name}\``,
      perThousand(f.fleet.universes, count),
      f.fleet.firstSeed === null ? "·" : String(f.fleet.firstSeed),
    ]),
  );
  return [
    "# Known upstream findings",
    "",
    `Generated by \`pnpm sim findings --write\` from the definitions in \`sim/findings/\` (do not edit by hand; a test compares it). Each is a defect of [Omnigraph](${UPSTREAM_REPOSITORY}) at commit \`${UPSTREAM_COMMIT}\` that the model reproduces on purpose; a run reports its hits as known, not failing. Each finding's scenario runs at seed ${FINDING_SEED}. The frequencies are over the default fleet (\`${scenario}\`, seeds ${from}..${from + count - 1}): the universes in which the finding answered a violation, per 1,000.`,
    "",
    ...overview,
    "",
    ...r.findings.flatMap((f) => findingMarkdown(r, f)),
  ]
    .join("\n")
    .replace(/\n+$/, "\n");
}
