import { z } from "zod";

/** What a command saw of the ledger and the lock (spec §2.16). Optional fields are omitted when unknown. */
export const StateObservationsSchema = z.strictObject({
  state_path: z.string(),
  lock_path: z.string(),
  state_found: z.boolean(),
  applied_config_digest: z.string().optional(),
  state_revision: z.number(),
  state_cas: z.string().optional(),
  resource_count: z.number(),
  locked: z.boolean(),
  lock_id: z.string().optional(),
  lock_acquired: z.boolean(),
  acquired_lock_id: z.string().optional(),
  lock_operation: z.string().optional(),
  lock_created_at: z.string().optional(),
  lock_pid: z.number().optional(),
  lock_age_seconds: z.number().optional(),
});
export type StateObservations = z.infer<typeof StateObservationsSchema>;

/** Observations before anything was looked at (also the fallback of a failed command). */
export function emptyObservations(statePath = "", lockPath = ""): StateObservations {
  return {
    state_path: statePath,
    lock_path: lockPath,
    state_found: false,
    state_revision: 0,
    resource_count: 0,
    locked: false,
    lock_acquired: false,
  };
}
