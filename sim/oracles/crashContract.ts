import { sha256Hex } from "../../src/util/digest.ts";
import type { Violation } from "../universe/result.ts";
import { SCHEMA_TEXT } from "../universe/texts.ts";
import { type Oracle, violation } from "./Oracle.ts";

const NAME = "crash-contract";

/**
 * After an operation fails or dies, every graph settles (once the engine's own recovery has
 * run) to "not applied" (its schema and rows as before) or "applied" (the desired schema,
 * the same rows), or to a state the spec names: the init gap of a graph being created, the
 * absence of a graph whose approved delete ran. Never a third thing: a graph that no longer
 * opens, a schema nobody asked for, or rows that changed.
 */
export const crashContract: Oracle = {
  name: NAME,
  description:
    "a failed or interrupted operation leaves each graph applied or not applied, with its rows intact",
  judge(input) {
    const out: Violation[] = [];
    for (const r of input.records) {
      if (!r.settled) continue;
      for (const [g, before] of Object.entries(r.settled.pre)) {
        if (before.kind !== "open") continue;
        const after = r.settled.post[g];
        const desired = r.desired.graphs.find((d) => d.id === g);
        if (after === undefined || after.kind === "absent") {
          if (desired !== undefined) {
            out.push(
              violation(
                NAME,
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
          out.push(
            violation(
              NAME,
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
        if (!allowed.has(after.schemaDigest)) {
          out.push(
            violation(
              NAME,
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
            violation(
              NAME,
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
