/**
 * Known-bad variants of the model: each a small, local switch back to a historical or
 * plausible defect, used to prove that the simulator's oracles and properties can go red.
 * Empty by default; a world carries the set it was born with.
 */
export const DEFECTS = {
  "arm-before-preview":
    "pre-#284 schema phase: the sidecar is armed before the preview, and kept after an engine rejection",
  "serve-refuses-any-sidecar":
    "pre-#284 serve: any recovery sidecar refuses boot for the whole cluster",
  "no-embedding-backfill":
    "pre-#284 apply: a ledger missing an embedding profile is never backfilled",
  "silent-sidecar-cleanup":
    "review finding on #284: a failed pre-movement sidecar delete is discarded silently",
} as const;

export type DefectName = keyof typeof DEFECTS;

export const DEFECT_NAMES = Object.keys(DEFECTS).sort() as DefectName[];

export function isDefectName(s: string): s is DefectName {
  return Object.hasOwn(DEFECTS, s);
}
