import { z } from "zod";

export const ResourceLifecycleStatusSchema = z.enum([
  "pending",
  "planned",
  "applying",
  "applied",
  "drifted",
  "blocked",
  "error",
]);
export type ResourceLifecycleStatus = z.infer<typeof ResourceLifecycleStatusSchema>;

/** Decoded (ledger) form: `conditions` may be absent, `message` absent or null. */
export const ResourceStatusRecordInSchema = z.strictObject({
  status: ResourceLifecycleStatusSchema,
  conditions: z.array(z.string()).optional(),
  message: z.string().nullish(),
});

/** Output form: `conditions` omitted when empty, `message` omitted when null. */
export const ResourceStatusRecordSchema = z.strictObject({
  status: ResourceLifecycleStatusSchema,
  conditions: z.array(z.string()).optional(),
  message: z.string().optional(),
});
export type ResourceStatusRecordJson = z.infer<typeof ResourceStatusRecordSchema>;

export interface ResourceStatusRecord {
  readonly status: ResourceLifecycleStatus;
  readonly conditions: readonly string[];
  readonly message: string | null;
}

export function statusToJson(r: ResourceStatusRecord): ResourceStatusRecordJson {
  const out: ResourceStatusRecordJson = { status: r.status };
  if (r.conditions.length > 0) out.conditions = [...r.conditions];
  if (r.message !== null) out.message = r.message;
  return out;
}

export function appliedStatus(): ResourceStatusRecord {
  return { status: "applied", conditions: [], message: null };
}
