import { afterEach, describe, expect, it } from "vitest";
import { initGraph, openGraph } from "../../src/engine/index.ts";
import {
  type BootOptions,
  bootServerWithRegistry,
  type RunningHttpServer,
  type ServerRegistry,
  startHttpServer,
} from "../../src/server/index.ts";
import type { World } from "../../src/world/world.ts";
import {
  ADMIN_SERVER_POLICY,
  newWorld,
  readerGraphPolicy,
  SERVER_FIND_PERSON_GQ,
  SERVER_PEOPLE_PG,
  seedLedger,
  seedSidecar,
  type WorldOptions,
} from "./fixtures.ts";
import { ServeRig } from "./rig.ts";

const running: RunningHttpServer[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.close();
});

async function listen(registry: ServerRegistry): Promise<string> {
  const s = await startHttpServer(registry, { host: "127.0.0.1", port: 0 });
  running.push(s);
  expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:[0-9]+$/);
  return s.url;
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
}

async function call(
  base: string,
  method: string,
  path: string,
  opts: { token?: string; body?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(opts.body !== undefined ? { body: opts.body } : {}),
  });
  const text = await res.text();
  return { status: res.status, text, body: text === "" ? null : JSON.parse(text) };
}

const SERVER_SCOPE_CLOSED =
  "server-scoped actions require an explicit cluster policy bundle applied with `omnigraph cluster apply` and served after restart — the management surface is closed by default in every runtime state, including --unauthenticated, so that server topology is never exposed without operator opt-in.";

const FIND_PERSON_CATALOG = {
  queries: [
    {
      name: "find_person",
      tool_name: "find_person",
      mutation: false,
      params: [{ name: "name", kind: "string", nullable: false }],
    },
  ],
};

/** Two served graphs from a hand-seeded ledger, with people in `knowledge`. */
async function served(
  worldOpts: WorldOptions = {},
  extra: { policies?: Parameters<typeof seedLedger>[1]["policies"]; boot?: BootOptions } = {},
): Promise<{ world: World; registry: ServerRegistry; url: string }> {
  const world = newWorld(worldOpts);
  await seedLedger(world, {
    graphs: ["archive", "knowledge"].map((id) => ({
      id,
      schema: SERVER_PEOPLE_PG,
      queries: { find_person: SERVER_FIND_PERSON_GQ },
    })),
    ...(extra.policies ? { policies: extra.policies } : {}),
  });
  const harness = world.spawn("harness");
  for (const g of ["archive", "knowledge"])
    await initGraph(harness, `graphs/${g}.omni`, SERVER_PEOPLE_PG);
  const g = await openGraph(harness, "graphs/knowledge.omni", "read_write");
  await g.insert("Person", [{ name: "alice" }, { name: "bob" }]);
  const out = await bootServerWithRegistry(world.spawn("server"), {
    clusterRoot: "/cluster",
    ...extra.boot,
  });
  if (out.registry === null) throw new Error(JSON.stringify(out.result));
  return { world, registry: out.registry, url: await listen(out.registry) };
}

describe("HTTP over a real socket (upstream server tests)", () => {
  it("cluster_boot_serves_applied_state", async () => {
    const rig = new ServeRig().serverFixture();
    await rig.converge();
    const url = await listen(await rig.ready({ unauthenticated: true }));

    // Closed by default: no cluster-bound bundle means no graph_list, even when open.
    expect(await call(url, "GET", "/graphs")).toMatchObject({
      status: 403,
      body: { error: SERVER_SCOPE_CLOSED, code: "forbidden" },
    });
    expect(await call(url, "GET", "/graphs/knowledge/queries")).toMatchObject({
      status: 200,
      body: FIND_PERSON_CATALOG,
    });
    const invoked = await call(url, "POST", "/graphs/knowledge/queries/find_person", {
      body: '{"params":{"name":"nobody"}}',
    });
    expect(invoked.status).toBe(200);
    expect(invoked.text).toBe(
      '{"query_name":"find_person","target":{"branch":"main","snapshot":null},"row_count":0,"columns":["p.name"],"rows":[]}',
    );
  });

  it("cluster_boot_quarantines_graph_open_failures", async () => {
    const world = newWorld({
      env: { OMNIGRAPH_SERVER_BEARER_TOKENS_JSON: '{"act-admin":"admin-token"}' },
    });
    await seedLedger(world, {
      graphs: [
        { id: "broken", schema: SERVER_PEOPLE_PG },
        { id: "good", schema: SERVER_PEOPLE_PG },
      ],
      policies: [{ name: "admins", text: ADMIN_SERVER_POLICY, appliesTo: ["cluster"] }],
    });
    await initGraph(world.spawn("init"), "graphs/good.omni", SERVER_PEOPLE_PG);
    const out = await bootServerWithRegistry(world.spawn("server"), { clusterRoot: "/cluster" });
    if (out.registry === null) throw new Error(JSON.stringify(out.result));
    const url = await listen(out.registry);

    expect(await call(url, "GET", "/graphs", { token: "admin-token" })).toMatchObject({
      status: 200,
      body: { graphs: [{ graph_id: "good", uri: "/cluster/graphs/good.omni" }] },
    });
    expect(
      await call(url, "GET", "/graphs/broken/queries", { token: "admin-token" }),
    ).toMatchObject({
      status: 404,
      body: { error: "graph 'broken' not found", code: "not_found" },
    });
    expect(await call(url, "GET", "/graphs")).toMatchObject({
      status: 401,
      body: { error: "missing bearer token", code: "unauthorized" },
    });
    expect(await call(url, "GET", "/graphs", { token: "nope" })).toMatchObject({
      status: 401,
      body: { error: "invalid bearer token", code: "unauthorized" },
    });
  });
});

describe("routes", () => {
  it("GET /healthz answers without auth", async () => {
    const { url } = await served({ env: { OMNIGRAPH_SERVER_BEARER_TOKEN: "t" } });
    expect(await call(url, "GET", "/healthz")).toMatchObject({
      status: 200,
      body: { status: "ok", version: "0.7.0" },
    });
  });

  it("lists graphs sorted by id, with their roots", async () => {
    const { url } = await served(
      { env: { OMNIGRAPH_SERVER_BEARER_TOKENS_JSON: '{"act-admin":"a"}' } },
      { policies: [{ name: "admins", text: ADMIN_SERVER_POLICY, appliesTo: ["cluster"] }] },
    );
    const r = await call(url, "GET", "/graphs", { token: "a" });
    expect(r.text).toBe(
      '{"graphs":[{"graph_id":"archive","uri":"/cluster/graphs/archive.omni"},{"graph_id":"knowledge","uri":"/cluster/graphs/knowledge.omni"}]}',
    );
  });

  it("a graph quarantined by a sidecar, an unknown id, and an id the server refuses", async () => {
    const world = newWorld();
    await seedLedger(world, {
      graphs: ["archive", "knowledge"].map((id) => ({ id, schema: SERVER_PEOPLE_PG })),
    });
    await initGraph(world.spawn("init"), "graphs/archive.omni", SERVER_PEOPLE_PG);
    await seedSidecar(world, { id: "01S", graphId: "knowledge" });
    const out = await bootServerWithRegistry(world.spawn("server"), { unauthenticated: true });
    if (out.registry === null) throw new Error(JSON.stringify(out.result));
    const url = await listen(out.registry);
    for (const id of ["knowledge", "ghost"]) {
      expect(await call(url, "GET", `/graphs/${id}/queries`)).toMatchObject({
        status: 404,
        body: { error: `graph '${id}' not found`, code: "not_found" },
      });
      expect(
        await call(url, "POST", `/graphs/${id}/queries/find_person`, { body: "{}" }),
      ).toMatchObject({ status: 404, body: { code: "not_found" } });
    }
    const bad = await call(url, "GET", "/graphs/bad_id/queries");
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: "bad_request" });
    expect((bad.body as { error: string }).error).toContain("no underscores");
    expect(await call(url, "GET", "/graphs/archive/queries")).toMatchObject({ status: 200 });
  });

  it("unmatched paths are a bare 404, wrong methods a bare 405", async () => {
    const { url } = await served({}, { boot: { unauthenticated: true } });
    expect(await call(url, "GET", "/nope")).toEqual({ status: 404, body: null, text: "" });
    expect(await call(url, "GET", "/graphs/knowledge/snapshot")).toEqual({
      status: 404,
      body: null,
      text: "",
    });
    expect(await call(url, "POST", "/graphs")).toEqual({ status: 405, body: null, text: "" });
    expect(await call(url, "GET", "/graphs/knowledge/queries/find_person")).toMatchObject({
      status: 405,
    });
    expect(await call(url, "DELETE", "/graphs/knowledge/queries")).toMatchObject({ status: 405 });
  });
});

describe("POST /graphs/{id}/queries/{name}", () => {
  it("runs the stored query against the graph's rows", async () => {
    const { url } = await served({}, { boot: { unauthenticated: true } });
    const r = await call(url, "POST", "/graphs/knowledge/queries/find_person", {
      body: '{"params":{"name":"alice"},"branch":"main","unknown_field":1}',
    });
    expect(r).toMatchObject({
      status: 200,
      body: {
        query_name: "find_person",
        target: { branch: "main", snapshot: null },
        row_count: 1,
        columns: ["p.name"],
        rows: [{ "p.name": "alice" }],
      },
    });
    const other = await call(url, "POST", "/graphs/archive/queries/find_person", {
      body: '{"params":{"name":"alice"}}',
    });
    expect(other.body).toMatchObject({ row_count: 0, rows: [] });
  });

  it("refuses bad bodies and params with upstream's 400s", async () => {
    const { url } = await served({}, { boot: { unauthenticated: true } });
    const post = (body: string) =>
      call(url, "POST", "/graphs/knowledge/queries/find_person", { body });
    const cases: Array<[string, string]> = [
      ['{"params":{"name":5}}', "param 'name': expected string, got number"],
      ['{"params":{"name":null}}', "param 'name': null is not accepted for non-nullable parameter"],
      ['{"params":[1]}', "params must be a JSON object"],
      [
        '{"params":{"name":"a"},"branch":"main","snapshot":"s1"}',
        "request may specify branch or snapshot, not both",
      ],
      [
        '{"params":{"name":"a"},"expect_mutation":true}',
        "'find_person' is a read — use omnigraph query find_person",
      ],
      ['{"params":{"name":"a","extra":{"x":1}}}', "param 'extra': object is not supported"],
    ];
    for (const [body, error] of cases) {
      expect(await post(body)).toMatchObject({ status: 400, body: { error, code: "bad_request" } });
    }
    const malformed = await post("{ nope");
    expect(malformed.status).toBe(400);
    expect((malformed.body as { error: string }).error).toMatch(
      /^invalid stored-query invocation body: /,
    );
    const wrongType = await post('{"branch":5}');
    expect((wrongType.body as { error: string }).error).toMatch(
      /^invalid stored-query invocation body: /,
    );
  });

  it("accepts an empty, null or empty-object body (and then the required param is missing)", async () => {
    const { url } = await served({}, { boot: { unauthenticated: true } });
    for (const body of ["", "null", "{}"]) {
      const r = await call(url, "POST", "/graphs/knowledge/queries/find_person", { body });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({
        error: "param 'name': null is not accepted for non-nullable parameter",
      });
    }
    const withMutationFalse = await call(url, "POST", "/graphs/knowledge/queries/find_person", {
      body: '{"params":{"name":"bob"},"expect_mutation":false}',
    });
    expect(withMutationFalse.body).toMatchObject({ row_count: 1 });
  });

  it("an unknown stored query is a 404", async () => {
    const { url } = await served({}, { boot: { unauthenticated: true } });
    expect(await call(url, "POST", "/graphs/knowledge/queries/nope", { body: "{}" })).toMatchObject(
      {
        status: 404,
        body: { error: "stored query not found", code: "not_found" },
      },
    );
  });
});

describe("runtime states", () => {
  it("default-deny (tokens, no policy): reads pass, invoke_query hides as a 404", async () => {
    const { url } = await served({ env: { OMNIGRAPH_SERVER_BEARER_TOKEN: "t" } });
    expect(await call(url, "GET", "/graphs/knowledge/queries")).toMatchObject({ status: 401 });
    expect(await call(url, "GET", "/graphs/knowledge/queries", { token: "t" })).toMatchObject({
      status: 200,
      body: FIND_PERSON_CATALOG,
    });
    expect(
      await call(url, "POST", "/graphs/knowledge/queries/find_person", {
        token: "t",
        body: '{"params":{"name":"alice"}}',
      }),
    ).toMatchObject({ status: 404, body: { error: "stored query not found" } });
    expect(await call(url, "GET", "/graphs", { token: "t" })).toMatchObject({
      status: 403,
      body: { error: SERVER_SCOPE_CLOSED },
    });
  });

  it("policy-enabled: the graph-bound bundle decides per actor", async () => {
    const { url } = await served(
      { env: { OMNIGRAPH_SERVER_BEARER_TOKENS_JSON: '{"act-reader":"r","act-other":"o"}' } },
      {
        policies: [
          {
            name: "readers",
            text: readerGraphPolicy(["act-reader"]),
            appliesTo: ["graph.knowledge"],
          },
        ],
      },
    );
    const body = '{"params":{"name":"alice"}}';
    expect(await call(url, "GET", "/graphs/knowledge/queries", { token: "r" })).toMatchObject({
      status: 200,
    });
    expect(
      await call(url, "POST", "/graphs/knowledge/queries/find_person", { token: "r", body }),
    ).toMatchObject({ status: 200, body: { row_count: 1 } });
    expect(await call(url, "GET", "/graphs/knowledge/queries", { token: "o" })).toMatchObject({
      status: 403,
      body: {
        error: "policy denied action 'read' for unknown actor 'act-other'",
        code: "forbidden",
      },
    });
    expect(
      await call(url, "POST", "/graphs/knowledge/queries/find_person", { token: "o", body }),
    ).toMatchObject({ status: 404, body: { error: "stored query not found" } });
    // `archive` has no bundle: with tokens configured it is default-deny.
    expect(
      await call(url, "POST", "/graphs/archive/queries/find_person", { token: "r", body }),
    ).toMatchObject({ status: 404 });
    expect(await call(url, "GET", "/graphs/archive/queries", { token: "r" })).toMatchObject({
      status: 200,
    });
  });
});

describe("death", () => {
  it("a dead server process answers nothing: the connection drops", async () => {
    const { url, registry } = await served({}, { boot: { unauthenticated: true } });
    expect((await call(url, "GET", "/healthz")).status).toBe(200);
    registry.proc.kill("killed by the test");
    await expect(call(url, "GET", "/healthz")).rejects.toThrow();
  });
});
