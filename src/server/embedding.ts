import { z } from "zod";
import { secretRefName } from "../cluster/config/embedding.ts";
import type { EmbeddingProfile } from "../cluster/records/embeddingProfile.ts";
import type { Env } from "./auth.ts";

export const EmbeddingProviderKindSchema = z.enum(["openai-compatible", "gemini", "mock"]);

/** What a served graph embeds with; the key never leaves the registry. */
export interface ResolvedEmbedding {
  readonly provider: z.infer<typeof EmbeddingProviderKindSchema>;
  readonly model: string;
  readonly base_url: string;
  readonly api_key: string;
}

/** The public face of a resolved embedding config (no secret). */
export const EmbeddingSummarySchema = z.strictObject({
  provider: EmbeddingProviderKindSchema,
  model: z.string(),
  base_url: z.string(),
});
export type EmbeddingSummary = z.infer<typeof EmbeddingSummarySchema>;

export function summarizeEmbedding(e: ResolvedEmbedding): EmbeddingSummary {
  return { provider: e.provider, model: e.model, base_url: e.base_url };
}

// Upstream's per-kind defaults (crates/omnigraph/src/embedding.rs @7fd23c54).
interface KindDefaults {
  readonly provider: ResolvedEmbedding["provider"];
  readonly base: string;
  readonly model: string;
}

function defaultsFor(kind: string): KindDefaults | null {
  switch (kind) {
    case "openai-compatible":
      return {
        provider: "openai-compatible",
        base: "https://openrouter.ai/api/v1",
        model: "openai/text-embedding-3-large",
      };
    case "openai":
      return {
        provider: "openai-compatible",
        base: "https://api.openai.com/v1",
        model: "text-embedding-3-large",
      };
    case "gemini":
      return {
        provider: "gemini",
        base: "https://generativelanguage.googleapis.com/v1beta",
        model: "gemini-embedding-2",
      };
    default:
      return null;
  }
}

/**
 * Resolves an applied provider profile for serving. The api key is resolved first (a mock
 * profile needs none), then the kind, as upstream does: a profile with an unknown kind and
 * an unset key reports the key.
 */
export function resolveEmbeddingProfile(
  profile: EmbeddingProfile,
  env: Env,
  opts: {
    /** Defect `mock-provider-needs-key`: the key is required whatever the kind. */
    readonly mockNeedsKey?: boolean;
  } = {},
): { ok: true; value: ResolvedEmbedding } | { ok: false; message: string } {
  let apiKey = "";
  if (profile.kind !== "mock" || opts.mockNeedsKey === true) {
    if (profile.api_key === undefined) {
      return { ok: false, message: "embedding api_key is required for non-mock providers" };
    }
    const name = secretRefName(profile.api_key);
    if (name === null) {
      return {
        ok: false,
        message: `embedding api_key must be a \${NAME} env reference, got '${profile.api_key.trim()}'`,
      };
    }
    const value = Object.hasOwn(env, name) ? env[name] : undefined;
    if (value === undefined) {
      return { ok: false, message: `embedding api_key env var '${name}' is not set` };
    }
    apiKey = value;
  }
  if (profile.kind === "mock") {
    return {
      ok: true,
      value: {
        provider: "mock",
        model: profile.model ?? env.OMNIGRAPH_EMBED_MODEL ?? "",
        base_url: "",
        api_key: "",
      },
    };
  }
  const kind = profile.kind ?? "openai-compatible";
  const d = defaultsFor(kind);
  if (d === null) {
    return {
      ok: false,
      message: `unknown embedding provider '${kind}' (expected openai-compatible|openai|gemini|mock)`,
    };
  }
  return {
    ok: true,
    value: {
      provider: d.provider,
      model: profile.model ?? d.model,
      base_url: (profile.base_url ?? d.base).replace(/\/+$/, ""),
      api_key: apiKey,
    },
  };
}
