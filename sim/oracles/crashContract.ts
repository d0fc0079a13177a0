import { sha256Hex } from "../../src/util/digest.ts";
import type { DesiredConfig } from "../universe/desired.ts";
import type { StepRecord } from "../universe/records.ts";
import type { Violation } from "../universe/result.ts";
import { SCHEMA_TEXT } from "../universe/texts.ts";
import { type JudgeInput, type Oracle, reporter } from "./Oracle.ts";

const NAME = "crash-contract";
const CODES = [
  "committed_create_destroyed",
  "graph_vanished",
  "graph_unopenable",
  "unexpected_schema",
  "rows_changed",
] as const;
const report = reporter(NAME, CODES);

/**
 * An operator edit racing the step may change the schema file after the command read it: the
 * command then moves the graph to the schema as read, which the desired config before the edit
 * names. That desired entry for `g`, when the step raced an edit (else undefined).
 */
function desiredBeforeRace(
  input: JudgeInput,
  r: StepRecord,
  g: string,
): DesiredConfig["graphs"][number] | undefined {
  if (r.step.race === undefined) return undefined;
  return input.records[r.index - 1]?.desired.graphs.find((d) => d.id === g);
}

/** A graph root's init commit point: its first manifest version landed. */
const INIT_COMMIT = /^graphs\/([^/]+)\.omni\/__manifest\/versions\/0000000001\.json$/;

/**
 * A create that passed its commit point inside this step (the init's first manifest version
 * landed) must leave a graph that opens at the desired schema, whatever failed after it: neither
 * the init's own cleanup nor the command may destroy a committed graph. Before that point the
 * root may be left partial (the documented init gap, remove-and-retry).
 */
function committedCreates(input: JudgeInput, r: StepRecord): Violation[] {
  const out: Violation[] = [];
  for (let i = r.traceFrom; i < r.traceTo; i++) {
    const e = input.events[i];
    if (e?.t !== "call" || e.step !== "engine.init.create_manifest" || e.result !== "true")
      continue;
    const g = INIT_COMMIT.exec(e.key)?.[1];
    if (g === undefined) continue;
    const after = r.post.graphs[g];
    const settled = r.settled?.post[g];
    const desired = r.desired.graphs.find((d) => d.id === g);
    const before = desiredBeforeRace(input, r, g);
    const acceptable = [desired, before].flatMap((d) =>
      d === undefined ? [] : [sha256Hex(SCHEMA_TEXT[d.schema])],
    );
    const whole = after?.exists && after.mainVersion !== null && after.schemaText !== null;
    const wrong =
      settled?.kind === "open" &&
      desired !== undefined &&
      !acceptable.includes(settled.schemaDigest);
    if (whole && settled?.kind !== "unopenable" && !wrong) continue;
    out.push(
      report(
        "committed_create_destroyed",
        r.index,
        `'${g}', whose init committed its first manifest version in this step, opens at the desired schema`,
        !after?.exists
          ? "the graph root is gone"
          : after.schemaText === null
            ? "its _schema.pg is gone (the manifest stays)"
            : after.mainVersion === null
              ? "its manifest is gone"
              : settled?.kind === "unopenable"
                ? `it does not open: ${settled.error}`
                : "it opens at another schema",
      ),
    );
  }
  return out;
}

/**
 * The step began removing `g`'s root (its approved delete, spec §2.12 L5): some write of
 * `cluster.graph.delete_root` under the root. On a backend whose prefix delete is not one
 * atomic write (s3: object by object; local-fs: `remove_dir_all`), a delete that fails or dies
 * midway leaves a partial root that does not open: the state the spec names (L5 "possibly
 * partially on crash", sweep row 8), which the still-approved delete removes on a later run.
 */
function deleteRan(input: JudgeInput, r: StepRecord, g: string): boolean {
  const root = `graphs/${g}.omni`;
  for (let i = r.traceFrom; i < r.traceTo; i++) {
    const e = input.events[i];
    if (e?.t !== "call" || e.step !== "cluster.graph.delete_root") continue;
    if (e.key === root || e.key.startsWith(`${root}/`)) return true;
  }
  return false;
}

/**
 * After an operation fails or dies, every graph settles (once the engine's own recovery has
 * run) to "not applied" (its schema and rows as before) or "applied" (the desired schema,
 * the same rows), or to a state the spec names: the init gap of a graph being created, the
 * absence of a graph whose approved delete ran. Never a third thing: a graph that no longer
 * opens, a schema nobody asked for, or rows that changed.
 */
export const crashContract: Oracle = {
  name: NAME,
  codes: CODES,
  description:
    "a failed or interrupted operation leaves each graph applied or not applied, with its rows intact, and never destroys a graph whose create committed",
  judge(input) {
    const out: Violation[] = [];
    for (const r of input.records) {
      out.push(...committedCreates(input, r));
      if (!r.settled) continue;
      for (const [g, before] of Object.entries(r.settled.pre)) {
        if (before.kind !== "open") continue;
        const after = r.settled.post[g];
        const desired = r.desired.graphs.find((d) => d.id === g);
        if (after === undefined || after.kind === "absent") {
          if (desired !== undefined) {
            out.push(
              report(
                "graph_vanished",
                r.index,
                `'${g}' still exists (it is in the config)`,
                "the graph root is gone",
              ),
            );
          }
          continue;
        }
        if (after.kind === "unopenable") {
          if (desired === undefined && deleteRan(input, r, g)) continue;
          out.push(
            report(
              "graph_unopenable",
              r.index,
              `'${g}' opens, at its old or its desired schema`,
              `it no longer opens: ${after.error}`,
            ),
          );
          continue;
        }
        const allowed = new Set([before.schemaDigest]);
        if (desired !== undefined) allowed.add(sha256Hex(SCHEMA_TEXT[desired.schema]));
        const read = desiredBeforeRace(input, r, g);
        if (read !== undefined) allowed.add(sha256Hex(SCHEMA_TEXT[read.schema]));
        if (!allowed.has(after.schemaDigest)) {
          out.push(
            report(
              "unexpected_schema",
              r.index,
              `'${g}' at its old or its desired schema`,
              `schema ${after.schemaDigest.slice(0, 12)}`,
            ),
          );
        }
        const lost = before.rows.filter((row) => !after.rows.includes(row));
        const grew = after.rows.length !== before.rows.length && r.step.op !== "insert";
        if (lost.length > 0 || grew) {
          out.push(
            report(
              "rows_changed",
              r.index,
              `'${g}' keeps its ${before.rows.length} row(s)`,
              `${after.rows.length} row(s)${lost.length ? `; lost: ${lost.slice(0, 3).join(", ")}` : ""}`,
            ),
          );
        }
      }
    }
    return out;
  },
};
