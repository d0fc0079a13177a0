import { z } from "zod";

/**
 * An embedding provider profile as declared in `cluster.yaml` and recorded in the ledger:
 * `${ENV}` references stay unresolved. `provider` is accepted as an alias of `kind` when
 * reading (both present is a duplicate, as for upstream's decoder).
 */
const ProfileFields = z.strictObject({
  kind: z.string().nullish(),
  base_url: z.string().nullish(),
  model: z.string().nullish(),
  api_key: z.string().nullish(),
});

export const EmbeddingProfileSchema = z
  .unknown()
  .transform((v, ctx) => {
    if (typeof v === "object" && v !== null && !Array.isArray(v) && Object.hasOwn(v, "provider")) {
      const o = { ...(v as Record<string, unknown>) };
      if (Object.hasOwn(o, "kind")) {
        ctx.issues.push({ code: "custom", message: "duplicate field `kind`", input: v });
        return z.NEVER;
      }
      o.kind = o.provider;
      delete o.provider;
      return o;
    }
    return v;
  })
  .pipe(ProfileFields)
  .transform((p): EmbeddingProfile => normalizeProfile(p));

export interface EmbeddingProfile {
  readonly kind?: string;
  readonly base_url?: string;
  readonly model?: string;
  readonly api_key?: string;
}

function normalizeProfile(p: {
  kind?: string | null | undefined;
  base_url?: string | null | undefined;
  model?: string | null | undefined;
  api_key?: string | null | undefined;
}): EmbeddingProfile {
  const out: { kind?: string; base_url?: string; model?: string; api_key?: string } = {};
  if (p.kind != null) out.kind = p.kind;
  if (p.base_url != null) out.base_url = p.base_url;
  if (p.model != null) out.model = p.model;
  if (p.api_key != null) out.api_key = p.api_key;
  return out;
}

/** Wire form: keys in the order kind, base_url, model, api_key, absent ones omitted. */
export function profileToJson(p: EmbeddingProfile): Record<string, string> {
  const out: Record<string, string> = {};
  if (p.kind !== undefined) out.kind = p.kind;
  if (p.base_url !== undefined) out.base_url = p.base_url;
  if (p.model !== undefined) out.model = p.model;
  if (p.api_key !== undefined) out.api_key = p.api_key;
  return out;
}

export function profilesEqual(
  a: EmbeddingProfile | undefined,
  b: EmbeddingProfile | undefined,
): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    a.kind === b.kind && a.base_url === b.base_url && a.model === b.model && a.api_key === b.api_key
  );
}
