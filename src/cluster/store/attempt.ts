import type { Fallible } from "../../util/fallible.ts";
import { rethrowDeath } from "../../world/process.ts";
import { type Diagnostic, errorText } from "../diagnostics.ts";

/** What a store operation hands back when its failure is a diagnostic for the command. */
export type Result<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly diagnostic: Diagnostic };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T>(diagnostic: Diagnostic): Result<T> {
  return { ok: false, diagnostic };
}

/** One storage call's outcome, its failure as text for the caller to word. */
export type Attempt<T> = Fallible<T>;

/**
 * Runs storage calls whose failure the caller reports. A process death (and the world's
 * exhausted call budget) is not a failure to report: it must unwind through model code, so
 * it is rethrown; anything else thrown, a StoreError above all, becomes the failure's text.
 */
export async function attempt<T>(calls: () => Promise<T>): Promise<Attempt<T>> {
  try {
    return { ok: true, value: await calls() };
  } catch (e) {
    rethrowDeath(e);
    return { ok: false, message: errorText(e) };
  }
}
