import { z } from "zod";
import { u32 } from "./zodText.ts";

/** `__cluster/lock.json` (spec §1.3): created with create-if-absent, removed at command exit. */
export const StateLockFileSchema = z.strictObject({
  version: u32,
  lock_id: z.string(),
  operation: z.string(),
  created_at: z.string(),
  pid: u32,
});
export type StateLockFile = z.infer<typeof StateLockFileSchema>;

export type LockOperation = "plan" | "apply" | "approve" | "refresh" | "import";

export function lockToJson(l: StateLockFile): Record<string, unknown> {
  return {
    version: l.version,
    lock_id: l.lock_id,
    operation: l.operation,
    created_at: l.created_at,
    pid: l.pid,
  };
}
