/**
 * The cluster's door into the engine's graphs (the languages are in engineLang.ts). Every
 * graph call of the control plane goes through here, so the engine's API is bound in one
 * place and failures arrive as text (what upstream embeds in its diagnostics).
 */
import { type Graph, initGraph, openGraph } from "../engine/index.ts";
import type { Fallible } from "../util/fallible.ts";
import type { Process } from "../world/process.ts";
import { rethrowDeath } from "../world/process.ts";
import { errorText } from "./diagnostics.ts";

export type GraphHandle = Graph;

export type Outcome<T> = Fallible<T>;

/** Runs an engine call; death propagates, every other failure becomes its message. */
async function attempt<T>(f: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await f() };
  } catch (e) {
    rethrowDeath(e);
    return { ok: false, message: errorText(e) };
  }
}

export function engineInit(proc: Process, root: string, source: string): Promise<Outcome<void>> {
  return attempt(() => initGraph(proc, root, source));
}

export function engineOpen(
  proc: Process,
  root: string,
  mode: "read_write" | "read_only",
): Promise<Outcome<GraphHandle>> {
  return attempt(() => openGraph(proc, root, mode));
}

/** The main manifest version, or null when the snapshot cannot be read. */
export async function mainVersionOf(graph: GraphHandle): Promise<number | null> {
  const r = await attempt(() => graph.mainVersion());
  return r.ok ? r.value : null;
}

export function previewSchemaApply(graph: GraphHandle, source: string): Promise<Outcome<unknown>> {
  return attempt(async () => {
    const preview = await graph.previewSchemaApply(source, { allowDataLoss: false });
    return preview.plan;
  });
}

export function applySchema(
  graph: GraphHandle,
  source: string,
  actor: string | null,
): Promise<Outcome<{ manifestVersion: number; applied: boolean }>> {
  return attempt(async () => {
    const r = await graph.applySchema(source, { allowDataLoss: false, actor });
    return { manifestVersion: r.manifestVersion, applied: r.applied };
  });
}
