import { z } from "zod";
import {
  type BootResult,
  bootServerWithRegistry,
  handle,
  type ServerRegistry,
  startHttpServer,
} from "../../src/server/index.ts";
import { formatDiagnosticLine } from "../../src/server/result.ts";
import type { DefectName } from "../../src/world/defects.ts";
import { InputError } from "../cli/InputError.ts";
import { RejectionWatch } from "../orchestrator/rejections.ts";
import { shellWord } from "../orchestrator/replayLine.ts";
import type { Scenario } from "../scenario/schema.ts";
import { asScripted } from "../shrink/shrink.ts";
import { modelSystem } from "../universe/modelSystem.ts";
import { runUniverse, type UniverseOutcome } from "../universe/run.ts";
import { resolveSwarm } from "../universe/swarm.ts";
import { SIM_ENV, summarize, type Universe } from "../universe/Universe.ts";

/** The only address served: a reviewer's own machine, never the network. */
export const SERVE_HOST = "127.0.0.1";

export interface ServeOptions {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly defects: readonly DefectName[];
  /** Serve the world after this life step (an index into the executed steps); omitted: after the last. */
  readonly step?: number;
  /** 0 or omitted: any free port. */
  readonly port?: number;
}

/** A request a reviewer can make of the running server, with the answer it was given at boot. */
export interface ServeExample {
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly status: number;
  /** What the answer shows, said after the status. */
  readonly note: string;
  /** The same request as a curl command line against the running server. */
  readonly curl: string;
}

export interface Serving {
  /** `http://127.0.0.1:PORT`; null when the server refused to boot (nothing listens then). */
  readonly url: string | null;
  readonly boot: BootResult;
  readonly examples: readonly ServeExample[];
  /** What `pnpm sim serve` prints: the world served, the boot, the address, curl lines. */
  readonly lines: readonly string[];
  /** Stops listening and drops open connections; safe to call more than once. */
  close(): Promise<void>;
}

/**
 * The universe with its life cut after `step` and no liveness phase: its world is what gets
 * served. `executed` counts the life steps the whole universe executes.
 */
export async function universeAfter(
  opts: ServeOptions,
): Promise<{ outcome: UniverseOutcome; executed: number; rejections: readonly string[] }> {
  const { scenario, seed, defects } = opts;
  const rejections: string[] = [];
  const run = async (s: Scenario) => {
    // Watched as replay watches it: a floating rejection in the model is reported, and does
    // not take the server's process down.
    const watch = RejectionWatch.install();
    try {
      const r = await watch.run(() =>
        runUniverse(
          { scenario: s, seed, defects },
          { system: modelSystem(), oracles: [], findings: [] },
        ),
      );
      rejections.push(...r.rejections);
      return r.value;
    } finally {
      watch.dispose();
    }
  };
  const outOfRange = (executed: number) =>
    new InputError(
      "bad_arguments",
      executed === 0
        ? `--step ${opts.step}: ${scenario.name} seed ${seed} executes no life steps (leave --step out to serve it after birth)`
        : `--step ${opts.step} is out of range: ${scenario.name} seed ${seed} executes steps 0..${executed - 1}`,
    );
  if (scenario.kind === "scripted") {
    const executed = scenario.steps.length;
    if (opts.step !== undefined && opts.step >= executed) throw outOfRange(executed);
    const steps = scenario.steps.slice(0, (opts.step ?? executed - 1) + 1);
    return { outcome: await run({ ...scenario, steps, liveness: false }), executed, rejections };
  }
  // A generative life is drawn as it runs: run it whole to learn its steps, then replay the
  // first K+1 as a scripted scenario (recorded steps replay exactly, as the shrinker's do).
  const whole = await run({ ...scenario, liveness: false });
  const executed = whole.result.steps.length;
  if (opts.step === undefined || opts.step === executed - 1)
    return { outcome: whole, executed, rejections };
  if (opts.step >= executed) throw outOfRange(executed);
  const cut = asScripted(
    resolveSwarm(scenario, seed),
    whole.result.steps.slice(0, opts.step + 1),
    whole.result.defects as DefectName[],
    `${scenario.name} seed ${seed} up to step ${opts.step}`,
  );
  const outcome = await run({ ...cut, name: scenario.name, liveness: false });
  return { outcome, executed, rejections };
}

const TokensSchema = z.record(z.string(), z.string());

/** A bearer token the universe's server accepts (SIM_ENV's first), for the curl lines. */
function simToken(): string | null {
  const text = SIM_ENV.OMNIGRAPH_SERVER_BEARER_TOKENS_JSON;
  const parsed = text === undefined ? null : TokensSchema.safeParse(JSON.parse(text));
  return parsed?.success ? (Object.values(parsed.data)[0] ?? null) : null;
}

/** The name of a person stored in the graph, so the stored query finds a row when there is one. */
async function aPersonIn(registry: ServerRegistry, graphId: string): Promise<string> {
  try {
    const rows = await registry.graphs.get(graphId)?.graph.rows("Person");
    const names = (rows ?? []).map((r) => String(r.name)).sort();
    return names[0] ?? "nobody";
  } catch {
    // A graph whose rows cannot be read still gets the line; its answer says what happens.
    return "nobody";
  }
}

function curlLine(url: string, e: Omit<ServeExample, "curl" | "status" | "note">): string {
  const parts = ["curl -s -w '\\n'"];
  if (e.method !== "GET" && e.body === undefined) parts.push(`-X ${e.method}`);
  for (const [k, v] of Object.entries(e.headers)) parts.push(`-H ${shellWord(`${k}: ${v}`)}`);
  if (e.body !== undefined) parts.push(`-d ${shellWord(e.body)}`);
  parts.push(`${url}${e.path}`);
  return parts.join(" ");
}

/**
 * Two or three requests that show what the server serves: a ready graph's stored queries and
 * one invoked, and a quarantined graph's 404. Each is answered by the booted server before it
 * is printed, so the status shown is the one a reviewer's curl gets.
 */
async function examplesFor(
  registry: ServerRegistry,
  boot: Extract<BootResult, { kind: "ready" }>,
  url: string,
): Promise<ServeExample[]> {
  const token = simToken();
  const auth: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
  const planned: Array<Omit<ServeExample, "curl" | "status" | "note"> & { why: string }> = [];
  const ready = boot.graphs[0];
  if (ready !== undefined) {
    const id = encodeURIComponent(ready.graph_id);
    planned.push({
      method: "GET",
      path: `/graphs/${id}/queries`,
      headers: auth,
      why: `the stored queries of ${ready.graph_id}`,
    });
    const query = ready.queries[0];
    if (query !== undefined) {
      const name = await aPersonIn(registry, ready.graph_id);
      planned.push({
        method: "POST",
        path: `/graphs/${id}/queries/${encodeURIComponent(query)}`,
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ params: { name } }),
        why: `${query} on ${ready.graph_id}`,
      });
    }
  } else {
    planned.push({ method: "GET", path: "/healthz", headers: {}, why: "the server is up" });
  }
  const q = boot.quarantined[0];
  if (q !== undefined)
    planned.push({
      method: "GET",
      path: `/graphs/${encodeURIComponent(q.graph_id)}/queries`,
      headers: auth,
      why: `${q.graph_id} is quarantined (${q.code})`,
    });
  const out: ServeExample[] = [];
  for (const { why, ...e } of planned) {
    const r = await handle(registry, { ...e, body: e.body ?? "" });
    const rows = (r.json as { row_count?: unknown } | null)?.row_count;
    const error = (r.json as { error?: unknown } | null)?.error;
    const detail =
      typeof rows === "number"
        ? `, ${rows} row${rows === 1 ? "" : "s"}`
        : r.status >= 400 && typeof error === "string"
          ? `, "${error}"`
          : "";
    out.push({ ...e, status: r.status, note: `${why}${detail}`, curl: curlLine(url, e) });
  }
  return out;
}

/** What the boot serves: ready graphs, quarantined ones with their reasons, or the refusal. */
function bootLines(r: BootResult): string[] {
  const out =
    r.kind === "failed"
      ? [`boot failed (${r.code}): ${r.message}`]
      : [
          `boot ready (${r.runtime_state}${r.require_all_graphs ? ", strict" : ""})`,
          ...r.graphs.map(
            (g) =>
              `  ready ${g.graph_id}${g.queries.length > 0 ? ` (stored queries: ${g.queries.join(", ")})` : ""}`,
          ),
        ];
  for (const q of r.quarantined)
    out.push(`  quarantined ${q.graph_id} (layer ${q.layer}, ${q.code}): ${q.reason}`);
  // A quarantine is also a warning diagnostic with the same text: said once is enough.
  const reasons = new Set(r.quarantined.map((q) => q.reason));
  for (const d of r.diagnostics)
    if (!reasons.has(d.message)) out.push(`  ${d.severity} ${formatDiagnosticLine(d)}`);
  return out;
}

function worldLine(opts: ServeOptions, u: Universe, executed: number): string {
  const what = `${opts.scenario.name} seed ${opts.seed}${opts.defects.length > 0 ? ` (defects: ${opts.defects.join(", ")})` : ""}`;
  const last = u.records.at(-1);
  if (last === undefined) return `world: ${what} after birth (its life executes no steps)`;
  return `world: ${what} after step ${last.index} of its steps 0..${executed - 1} (${last.step.op}: ${summarize(last.outcome)}), before the liveness phase`;
}

/**
 * `pnpm sim serve`: runs the universe up to the step, boots the model's server in a fresh
 * process of that universe's world (as the universe's own boot steps do: its environment,
 * working tree and strictness), and listens on 127.0.0.1. Throws InputError for a step the
 * universe never executes.
 */
export async function serveUniverse(opts: ServeOptions): Promise<Serving> {
  const { outcome, executed, rejections } = await universeAfter(opts);
  const u = outcome.universe;
  const lines = [worldLine(opts, u, executed)];
  if (outcome.result.error !== undefined)
    lines.push(`  (its run ended in a harness error: ${outcome.result.error})`);
  if (rejections.length > 0)
    lines.push(`  (its run left unhandled rejections: ${rejections.join("; ")})`);
  const proc = u.world.spawn("serve");
  const booted = await bootServerWithRegistry(proc, {
    strict: opts.scenario.serve.strict,
    workTree: u.workTree,
  });
  lines.push(...bootLines(booted.result));
  if (booted.result.kind === "failed" || booted.registry === null) {
    lines.push("nothing to serve: the server refused to boot");
    return { url: null, boot: booted.result, examples: [], lines, close: async () => {} };
  }
  const http = await startHttpServer(booted.registry, {
    host: SERVE_HOST,
    port: opts.port ?? 0,
  }).catch((e: unknown) => {
    const code = (e as { code?: unknown }).code;
    if (code === "EADDRINUSE" || code === "EACCES")
      throw new InputError(
        "bad_arguments",
        `--port ${opts.port}: ${code === "EADDRINUSE" ? "already in use" : "not allowed"} on ${SERVE_HOST}`,
      );
    throw e;
  });
  const examples = await examplesFor(booted.registry, booted.result, http.url);
  lines.push(`serving on ${http.url} until Ctrl-C or SIGTERM; try:`);
  for (const e of examples) lines.push(`  ${e.curl}`, `      # ${e.status}: ${e.note}`);
  if (!booted.result.server_policy)
    lines.push(
      "  (GET /graphs answers 403: listing graphs needs a cluster-bound policy bundle, and this cluster has none)",
    );
  let closed: Promise<void> | null = null;
  return {
    url: http.url,
    boot: booted.result,
    examples,
    lines,
    close: () => {
      closed ??= http.close();
      return closed;
    },
  };
}
