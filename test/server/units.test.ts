import { describe, expect, it } from "vitest";
import {
  bearerTokensFromEnv,
  classifyRuntimeState,
  envFlag,
  formatBootResult,
  PolicyEngine,
  paramsFromJson,
  parsePolicyConfig,
  resolveEmbeddingProfile,
} from "../../src/server/index.ts";
import { ADMIN_SERVER_POLICY, readerGraphPolicy } from "./fixtures.ts";

/** The secret reference `${K}`. */
const KEY_REF = `\${K}`;

describe("env_flag", () => {
  it("is set, non-blank, not 0 and not false in any case", () => {
    const env = { A: "1", B: " true ", C: "0", D: "FaLsE", E: "   ", F: "no" };
    expect(["A", "B", "C", "D", "E", "F", "UNSET"].map((k) => envFlag(env, k))).toEqual([
      true,
      true,
      false,
      false,
      false,
      true,
      false,
    ]);
  });
});

describe("bearer tokens", () => {
  it("reads the single token as actor `default` and the JSON map, sorted by actor", () => {
    const r = bearerTokensFromEnv({
      OMNIGRAPH_SERVER_BEARER_TOKEN: " solo ",
      OMNIGRAPH_SERVER_BEARER_TOKENS_JSON: '{"zed":"z","amy":"a"}',
    });
    expect(r.ok && r.tokens.map((t) => t.actor)).toEqual(["amy", "default", "zed"]);
    expect(r.ok && r.tokens.every((t) => /^[0-9a-f]{64}$/.test(t.tokenHash))).toBe(true);
    expect(bearerTokensFromEnv({})).toEqual({ ok: true, tokens: [] });
  });

  it("refuses what upstream refuses", () => {
    const refusals: Array<[Record<string, string>, string]> = [
      [{ OMNIGRAPH_SERVER_BEARER_TOKENS_JSON: "[1]" }, "must be a JSON object of actor->token"],
      [
        { OMNIGRAPH_SERVER_BEARER_TOKENS_JSON: '{" ":"t"}' },
        "bearer token actor names must not be blank",
      ],
      [
        { OMNIGRAPH_SERVER_BEARER_TOKENS_JSON: '{"a":" "}' },
        "bearer token for actor 'a' must not be blank",
      ],
      [
        { OMNIGRAPH_SERVER_BEARER_TOKENS_JSON: '{"a":"t","b":"t"}' },
        "duplicate bearer token value configured",
      ],
      [
        {
          OMNIGRAPH_SERVER_BEARER_TOKEN: "t",
          OMNIGRAPH_SERVER_BEARER_TOKENS_JSON: '{"default":"u"}',
        },
        "duplicate bearer token actor 'default'",
      ],
      [
        { OMNIGRAPH_SERVER_BEARER_TOKENS_FILE: "/etc/tokens.json" },
        "failed to read bearer tokens file",
      ],
      [{ OMNIGRAPH_SERVER_BEARER_TOKENS_AWS_SECRET: "s" }, "--features aws"],
    ];
    for (const [env, text] of refusals) {
      const r = bearerTokensFromEnv(env);
      expect(r.ok).toBe(false);
      expect(!r.ok && r.message).toContain(text);
    }
  });
});

describe("runtime-state classification", () => {
  it("follows the tokens × policy × --unauthenticated matrix", () => {
    const rows: Array<[boolean, boolean, boolean, string]> = [
      [false, false, false, "unauthenticated_not_allowed"],
      [false, false, true, "open"],
      [true, false, false, "default_deny"],
      [true, false, true, "default_deny"],
      [false, true, false, "policy_without_tokens"],
      [false, true, true, "policy_without_tokens"],
      [true, true, false, "policy_enabled"],
      [true, true, true, "policy_enabled"],
    ];
    for (const [tokens, policy, unauth, expected] of rows) {
      const r = classifyRuntimeState(tokens, policy, unauth);
      expect(r.ok ? r.state : r.code).toBe(expected);
    }
  });
});

describe("policy bundles", () => {
  it("validates with upstream's messages", () => {
    const bad: Array<[string, string]> = [
      ["rules: []\n", "missing field `version`"],
      ["version: 2\n", "policy version must be 1"],
      ["version: 1\ngroups: { g: [] }\n", "policy group 'g' must not be empty"],
      ["version: 1\ngroups: { g: [' '] }\n", "policy group 'g' contains a blank actor id"],
      [
        "version: 1\ngroups: { g: [a] }\nrules:\n  - { id: r, allow: { actors: { group: h }, actions: [read] } }\n",
        "policy rule 'r' references unknown group 'h'",
      ],
      [
        "version: 1\ngroups: { g: [a] }\nrules:\n  - { id: r, allow: { actors: { group: g }, actions: [] } }\n",
        "policy rule 'r' must include at least one action",
      ],
      [
        "version: 1\ngroups: { g: [a] }\nrules:\n  - { id: r, allow: { actors: { group: g }, actions: [read] } }\n  - { id: r, allow: { actors: { group: g }, actions: [read] } }\n",
        "duplicate policy rule id 'r'",
      ],
      [
        "version: 1\ngroups: { g: [a] }\nrules:\n  - { id: r, allow: { actors: { group: g }, actions: [schema_apply], branch_scope: any } }\n",
        "policy rule 'r' uses branch_scope with unsupported action 'schema_apply'",
      ],
      [
        "version: 1\ngroups: { g: [a] }\nrules:\n  - { id: r, allow: { actors: { group: g }, actions: [graph_list, read] } }\n",
        "policy rule 'r' mixes the server-scoped action `graph_list` with per-graph actions; split into separate rules",
      ],
      [
        "version: 1\ngroups: { g: [a] }\nrules:\n  - { id: r, allow: { actors: { group: g }, actions: [fly] } }\n",
        "unknown variant",
      ],
    ];
    for (const [text, message] of bad) {
      const r = parsePolicyConfig(text);
      expect(r.ok, text).toBe(false);
      expect(!r.ok && r.message).toContain(message);
    }
    expect(parsePolicyConfig(ADMIN_SERVER_POLICY).ok).toBe(true);
  });

  it("keeps server-scoped and per-graph actions in their own kind of bundle", () => {
    expect(PolicyEngine.loadServer(ADMIN_SERVER_POLICY).ok).toBe(true);
    const g = PolicyEngine.loadGraph(ADMIN_SERVER_POLICY, "kb");
    expect(!g.ok && g.message).toBe(
      "policy rule 'admins-list-graphs' uses server-scoped action 'graph_list' in a Graph policy file; move it to a server policy file",
    );
  });

  it("decides per actor, action and branch scope", () => {
    const loaded = PolicyEngine.loadGraph(
      `
version: 1
groups:
  readers: [ann]
  writers: [bo]
protected_branches: [main]
rules:
  - id: read-any
    allow: { actors: { group: readers }, actions: [read, invoke_query] }
  - id: change-unprotected
    allow: { actors: { group: writers }, actions: [change], branch_scope: unprotected }
`,
      "kb",
    );
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    const p = loaded.value;
    const req = (action: "read" | "change" | "invoke_query", branch: string | null) => ({
      action,
      branch,
      targetBranch: null,
    });
    expect(p.authorize("ann", req("read", "main"))).toEqual({
      allowed: true,
      matchedRuleId: "read-any",
      message: "policy allowed action 'read' for actor 'ann'",
    });
    expect(p.authorize("ann", req("invoke_query", null)).allowed).toBe(true);
    expect(p.authorize("bo", req("change", "feature")).allowed).toBe(true);
    expect(p.authorize("bo", req("change", "main"))).toEqual({
      allowed: false,
      matchedRuleId: null,
      message: "policy denied action 'change' on branch 'main' for actor 'bo'",
    });
    expect(p.authorize("bo", req("change", null)).allowed).toBe(false);
    expect(p.authorize("eve", req("read", "main")).message).toBe(
      "policy denied action 'read' for unknown actor 'eve'",
    );
    const readers = PolicyEngine.loadGraph(readerGraphPolicy(["x"]), "kb");
    expect(readers.ok && readers.value.authorize("x", req("change", "main")).allowed).toBe(false);
  });
});

describe("request params", () => {
  const p = (name: string, typeName: string, nullable = false) => ({ name, typeName, nullable });

  it("converts and checks typed params, fills omitted nullables, infers undeclared ones", () => {
    const declared = [
      p("s", "String"),
      p("i", "I32"),
      p("big", "I64"),
      p("u", "U32"),
      p("f", "F64"),
      p("b", "Bool"),
      p("l", "[String]"),
      p("v", "Vector(2)"),
      p("opt", "Date", true),
    ];
    const r = paramsFromJson(declared, {
      s: "x",
      i: 7,
      big: "9007199254740991",
      u: "12",
      f: 1.5,
      b: true,
      l: ["a", "b"],
      v: [0.5, 1],
      extra: [1, "two", null],
    });
    expect(r).toEqual({
      ok: true,
      params: {
        s: "x",
        i: 7,
        big: 9007199254740991,
        u: 12,
        f: 1.5,
        b: true,
        l: ["a", "b"],
        v: [0.5, 1],
        extra: [1, "two", null],
        opt: null,
      },
    });
    expect(paramsFromJson(declared.slice(8), undefined)).toEqual({
      ok: true,
      params: { opt: null },
    });
  });

  it("refuses with upstream's messages", () => {
    const cases: Array<[ReturnType<typeof p>, unknown, string]> = [
      [p("i", "I32"), 2 ** 31, "param 'i': value 2147483648 exceeds I32"],
      [p("i", "I64"), 1.5, "param 'i': expected integer number"],
      [p("i", "I64"), "x", "param 'i': expected integer string, got 'x'"],
      [p("i", "I64"), true, "param 'i': expected integer"],
      [p("u", "U32"), -1, "param 'u': expected unsigned integer number"],
      [p("f", "F32"), "1", "param 'f': expected float"],
      [p("b", "Bool"), 1, "param 'b': expected boolean"],
      [p("d", "DateTime"), 1, "param 'd': expected datetime string"],
      [p("l", "[I32]"), 1, "param 'l': expected array for [I32]"],
      [p("v", "Vector(3)"), [1, 2], "param 'v': expected 3 values for Vector(3), got 2"],
      [p("v", "Vector(2)"), [1, "x"], "param 'v': vector element is not numeric"],
    ];
    for (const [decl, value, message] of cases) {
      expect(paramsFromJson([decl], { [decl.name]: value })).toEqual({ ok: false, message });
    }
  });
});

describe("embedding profile resolution", () => {
  it("applies upstream's per-kind defaults and trims the base URL", () => {
    expect(resolveEmbeddingProfile({ api_key: KEY_REF }, { K: "k" })).toEqual({
      ok: true,
      value: {
        provider: "openai-compatible",
        model: "openai/text-embedding-3-large",
        base_url: "https://openrouter.ai/api/v1",
        api_key: "k",
      },
    });
    expect(
      resolveEmbeddingProfile(
        { kind: "gemini", base_url: "http://x/v1//", api_key: KEY_REF },
        { K: "" },
      ),
    ).toMatchObject({
      ok: true,
      value: { provider: "gemini", base_url: "http://x/v1", api_key: "" },
    });
    expect(
      resolveEmbeddingProfile({ kind: "mock", api_key: "inline" }, { OMNIGRAPH_EMBED_MODEL: "m" }),
    ).toEqual({
      ok: true,
      value: { provider: "mock", model: "m", base_url: "", api_key: "" },
    });
    expect(
      resolveEmbeddingProfile({ kind: "constructor", api_key: KEY_REF }, { K: "k" }),
    ).toMatchObject({
      ok: false,
    });
  });
});

describe("boot result formatting", () => {
  it("renders a result for humans", () => {
    expect(
      formatBootResult({
        kind: "failed",
        code: "no_graphs_opened",
        message: "m",
        quarantined: [{ graph_id: "g", layer: 3, code: "graph_open_failed", reason: "r" }],
        diagnostics: [
          { code: "graph_open_failed", severity: "warning", path: "graph.g", message: "r" },
        ],
      }),
    ).toBe(
      "boot failed (no_graphs_opened): m\n  quarantined g (layer 3, graph_open_failed): r\n  warning [graph_open_failed] graph.g: r",
    );
  });
});
