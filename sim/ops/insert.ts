import { z } from "zod";
import { graphId } from "../scenario/primitives.ts";
import { ROOT_OF } from "../universe/observe.ts";
import { commandOp } from "./OpSpec.ts";

/** A client writes people into a graph's main branch (data the oracles check survives). */
export const insertOp = commandOp({
  op: "insert",
  kind: "command",
  shape: { graph: graphId, rows: z.number().int().min(1).max(50) },
  traits: {
    locks: false,
    writesLedger: false,
    movesGraph: true,
    recovers: false,
    raceable: false,
    concurrent: true,
  },
  failpoints: [
    "engine.insert.",
    "engine.manifest.",
    "engine.commits.",
    "graph_publish.",
    "engine.recovery.",
    "recovery.",
  ],
  draw: (rng, v) =>
    v.rootGraphs.length
      ? { op: "insert", graph: rng.pick(v.rootGraphs), rows: rng.range(1, 3) }
      : null,
  examples: (v) =>
    v.rootGraphs.slice(0, 1).map((graph) => ({ op: "insert" as const, graph, rows: 1 })),
  async exec(step, env) {
    // Row contents come from the world's seed tree, named by step and actor, so they replay.
    const tag = `${env.index}${env.actor}`;
    const rng = env.world.rng.child("rows").child(tag);
    const rows = Array.from({ length: step.rows }, (_, i) => ({
      name: `p${tag}-${i}`,
      age: rng.int(90),
    }));
    return {
      kind: "command",
      view: await env.system.insert(env.ctx.proc, ROOT_OF(step.graph), rows),
    };
  },
});
