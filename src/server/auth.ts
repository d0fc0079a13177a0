import { z } from "zod";
import { sha256Hex } from "../util/digest.ts";
import { compareStrings } from "../util/json.ts";

/** The process environment a server reads: always its world's, never the host's. */
export type Env = Readonly<Record<string, string>>;

/**
 * Upstream's `env_flag`: set, non-blank after trimming, not `0`, and not `false` in any
 * case. (The container entrypoint's rule differs; see spec §5.6. The model has no entrypoint.)
 */
export function envFlag(env: Env, name: string): boolean {
  const v = env[name];
  if (v === undefined) return false;
  const t = v.trim();
  return t !== "" && t !== "0" && t.toLowerCase() !== "false";
}

export const ENV_REQUIRE_ALL_GRAPHS = "OMNIGRAPH_REQUIRE_ALL_GRAPHS";
export const ENV_UNAUTHENTICATED = "OMNIGRAPH_UNAUTHENTICATED";
export const ENV_BEARER_TOKEN = "OMNIGRAPH_SERVER_BEARER_TOKEN";
export const ENV_BEARER_TOKENS_JSON = "OMNIGRAPH_SERVER_BEARER_TOKENS_JSON";
export const ENV_BEARER_TOKENS_FILE = "OMNIGRAPH_SERVER_BEARER_TOKENS_FILE";
export const ENV_BEARER_TOKENS_AWS_SECRET = "OMNIGRAPH_SERVER_BEARER_TOKENS_AWS_SECRET";

/** A configured bearer token, kept only as its digest (upstream compares hashes too). */
export interface BearerToken {
  readonly actor: string;
  readonly tokenHash: string;
}

export function hashBearerToken(token: string): string {
  return sha256Hex(token);
}

function normalizeToken(value: string | undefined): string | null {
  if (value === undefined) return null;
  const t = value.trim();
  return t === "" ? null : t;
}

const TokensJsonSchema = z.record(z.string(), z.string());

type Loaded =
  | { readonly ok: true; readonly tokens: BearerToken[] }
  | { readonly ok: false; readonly message: string };

/**
 * Bearer tokens from the environment, as upstream's env-or-file source. The model's world
 * has no local filesystem, so a tokens file can never be read; and it is not an AWS build.
 */
export function bearerTokensFromEnv(env: Env): Loaded {
  const aws = normalizeToken(env[ENV_BEARER_TOKENS_AWS_SECRET]);
  if (aws !== null) {
    return {
      ok: false,
      message: `${ENV_BEARER_TOKENS_AWS_SECRET} is set but this binary was not built with --features aws. Rebuild: cargo build --release --features aws`,
    };
  }
  const entries: Array<[string, string]> = [];
  const single = normalizeToken(env[ENV_BEARER_TOKEN]);
  if (single !== null) entries.push(["default", single]);
  const file = normalizeToken(env[ENV_BEARER_TOKENS_FILE]);
  const json = normalizeToken(env[ENV_BEARER_TOKENS_JSON]);
  if (file !== null) {
    return { ok: false, message: `failed to read bearer tokens file at ${file}` };
  }
  if (json !== null) {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      value = undefined;
    }
    const parsed = TokensJsonSchema.safeParse(value);
    if (!parsed.success) {
      return {
        ok: false,
        message: `${ENV_BEARER_TOKENS_JSON} must be a JSON object of actor->token`,
      };
    }
    entries.push(...Object.entries(parsed.data));
  }
  return validateTokens(entries);
}

function validateTokens(entries: ReadonlyArray<readonly [string, string]>): Loaded {
  const actors = new Set<string>();
  const values = new Set<string>();
  const out: BearerToken[] = [];
  for (const [rawActor, rawToken] of entries) {
    const actor = rawActor.trim();
    if (actor === "") return { ok: false, message: "bearer token actor names must not be blank" };
    const token = normalizeToken(rawToken);
    if (token === null) {
      return { ok: false, message: `bearer token for actor '${actor}' must not be blank` };
    }
    if (actors.has(actor)) return { ok: false, message: `duplicate bearer token actor '${actor}'` };
    if (values.has(token)) return { ok: false, message: "duplicate bearer token value configured" };
    actors.add(actor);
    values.add(token);
    out.push({ actor, tokenHash: hashBearerToken(token) });
  }
  out.sort((a, b) => compareStrings(a.actor, b.actor));
  return { ok: true, tokens: out };
}

export const RuntimeStateSchema = z.enum(["open", "default_deny", "policy_enabled"]);
export type RuntimeState = z.infer<typeof RuntimeStateSchema>;

export type RuntimeClassification =
  | { readonly ok: true; readonly state: RuntimeState }
  | {
      readonly ok: false;
      readonly code: "unauthenticated_not_allowed" | "policy_without_tokens";
      readonly message: string;
    };

/** Upstream's tokens × policy × `--unauthenticated` matrix (spec §5.3 step 1). */
export function classifyRuntimeState(
  hasTokens: boolean,
  hasPolicy: boolean,
  allowUnauthenticated: boolean,
): RuntimeClassification {
  if (hasTokens) return { ok: true, state: hasPolicy ? "policy_enabled" : "default_deny" };
  if (hasPolicy) {
    return {
      ok: false,
      code: "policy_without_tokens",
      message:
        "policy file is configured but no bearer tokens — every request would 401 because no token can ever match; configure at least one bearer token, or remove the policy file",
    };
  }
  if (allowUnauthenticated) return { ok: true, state: "open" };
  return {
    ok: false,
    code: "unauthenticated_not_allowed",
    message:
      "server has no bearer tokens and no policy file configured; pass `--unauthenticated` (or set OMNIGRAPH_UNAUTHENTICATED=1) to run a fully open server, or configure bearer tokens and a graph or cluster policy bundle, run `omnigraph cluster apply`, and restart",
  };
}
