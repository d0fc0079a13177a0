import type { Report } from "../report/schema.ts";
import { formatFailure } from "./format.ts";

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

/** JUnit XML: one testsuite per scenario, one testcase per universe. Pure. */
export function toJunit(report: Report): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const s = report.summary;
  out.push(
    `<testsuites name="omnigraph-sim" tests="${s.universes}" failures="${s.failed}" errors="${s.crashed}" time="${(s.elapsedMs / 1000).toFixed(3)}">`,
  );
  for (const scenario of s.scenarios) {
    const us = report.universes.filter((u) => u.scenario === scenario);
    const failures = us.filter((u) => u.verdict === "fail").length;
    const errors = us.filter((u) => u.verdict === "crash").length;
    out.push(
      `  <testsuite name="${esc(scenario)}" tests="${us.length}" failures="${failures}" errors="${errors}">`,
    );
    for (const u of us) {
      const name = `${scenario} seed ${u.seed}`;
      if (u.verdict === "pass") {
        out.push(`    <testcase classname="${esc(scenario)}" name="${esc(name)}"/>`);
        continue;
      }
      const tag = u.verdict === "crash" ? "error" : "failure";
      const first = u.violations[0];
      const message = first ? `${first.oracle}: ${first.code}` : (u.error ?? "failed");
      out.push(`    <testcase classname="${esc(scenario)}" name="${esc(name)}">`);
      out.push(
        `      <${tag} message="${esc(message)}">${esc(formatFailure(u).join("\n"))}</${tag}>`,
      );
      out.push("    </testcase>");
    }
    out.push("  </testsuite>");
  }
  out.push("</testsuites>");
  return `${out.join("\n")}\n`;
}
