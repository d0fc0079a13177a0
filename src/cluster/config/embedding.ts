import { type Diagnostic, error } from "../diagnostics.ts";
import type { EmbeddingProfile } from "../records/embeddingProfile.ts";

const KNOWN_KINDS: readonly string[] = ["openai-compatible", "openai", "gemini", "mock"];

/** The env var a `${NAME}` reference names, or null for anything else (an inline secret). */
export function secretRefName(value: string): string | null {
  const t = value.trim();
  if (!t.startsWith("${") || !t.endsWith("}")) return null;
  const name = t.slice(2, -1);
  return name.trim() === "" ? null : name;
}

/**
 * Profile checks at config load: a known kind, and (except for `mock`, which needs no key)
 * an api_key that is a `${NAME}` reference, never an inline secret.
 */
export function validateEmbeddingProfile(
  profile: EmbeddingProfile,
  path: string,
  diagnostics: Diagnostic[],
): void {
  if (profile.kind !== undefined && !KNOWN_KINDS.includes(profile.kind)) {
    diagnostics.push(
      error(
        "invalid_embedding_provider",
        path,
        `unknown embedding provider '${profile.kind}' (expected openai-compatible|openai|gemini|mock)`,
      ),
    );
  }
  const inline = () =>
    error(
      "embedding_api_key_inline",
      `${path}.api_key`,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: upstream's literal `${NAME}` text
      "embedding api_key must be a ${NAME} env reference, not an inline secret",
    );
  if (profile.kind === "mock") {
    if (profile.api_key !== undefined && secretRefName(profile.api_key) === null) {
      diagnostics.push(inline());
    }
    return;
  }
  if (profile.api_key === undefined) {
    diagnostics.push(
      error(
        "embedding_api_key_required",
        `${path}.api_key`,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: upstream's literal `${NAME}` text
        "non-mock embedding providers must set api_key to a ${NAME} env reference",
      ),
    );
  } else if (secretRefName(profile.api_key) === null) {
    diagnostics.push(inline());
  }
}
