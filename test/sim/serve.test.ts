import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { parseCliArgs } from "../../sim/cli/args.ts";
import { InputError } from "../../sim/cli/InputError.ts";
import { serveCommand } from "../../sim/cli/serve.ts";
import { findScenario, shippedScenarios } from "../../sim/scenario/registry.ts";
import { type Serving, serveUniverse, universeAfter } from "../../sim/serve/serve.ts";
import { summarize } from "../../sim/universe/Universe.ts";
import { ROOT, simInProcess } from "../lib/cli.ts";

const SHIPPED = shippedScenarios();
const scenario = (name: string) => findScenario(name, SHIPPED);

const TMP = mkdtempSync(join(tmpdir(), "sim-serve-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const open: Serving[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

async function serve(...args: Parameters<typeof serveUniverse>): Promise<Serving> {
  const s = await serveUniverse(...args);
  open.push(s);
  return s;
}

async function request(url: string, path: string, init: RequestInit = {}) {
  const res = await fetch(`${url}${path}`, init);
  const text = await res.text();
  return { status: res.status, body: text === "" ? null : (JSON.parse(text) as unknown) };
}

const READER = { authorization: "Bearer token-reader" };

describe("pnpm sim serve: the model's HTTP server over a universe's world, on a real socket", () => {
  it("serves mid-movement-keeps-sidecar after its interrupted apply: archive ready, knowledge quarantined", async () => {
    const s = await serve({
      scenario: scenario("mid-movement-keeps-sidecar"),
      seed: 1,
      defects: [],
      step: 1,
    });
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const url = s.url as string;
    expect(s.boot).toMatchObject({ kind: "ready", graphs: [{ graph_id: "archive" }] });
    expect(s.boot.quarantined).toMatchObject([
      { graph_id: "knowledge", code: "cluster_recovery_pending" },
    ]);
    expect(s.lines[0]).toMatch(
      /^world: mid-movement-keeps-sidecar seed 1 after step 1 of its steps 0\.\.5 \(apply: ok=false /,
    );
    expect(s.lines).toContain(`serving on ${url} until Ctrl-C or SIGTERM; try:`);
    expect(s.lines.some((l) => l.startsWith("  quarantined knowledge (layer 1, "))).toBe(true);

    // Every printed example answers over the socket exactly as printed.
    expect(s.examples.map((e) => [e.method, e.path, e.status])).toEqual([
      ["GET", "/graphs/archive/queries", 200],
      ["POST", "/graphs/archive/queries/find_person", 200],
      ["GET", "/graphs/knowledge/queries", 404],
    ]);
    for (const e of s.examples) {
      expect(s.lines).toContain(`  ${e.curl}`);
      expect(e.curl).toContain(`${url}${e.path}`);
      const r = await request(url, e.path, {
        method: e.method,
        headers: e.headers,
        ...(e.body !== undefined ? { body: e.body } : {}),
      });
      expect(r.status, e.curl).toBe(e.status);
    }

    // The quarantine, as a reviewer sees it: the graph is not served at all.
    expect(await request(url, "/graphs/knowledge/queries", { headers: READER })).toEqual({
      status: 404,
      body: { error: "graph 'knowledge' not found", code: "not_found" },
    });
    const invoked = await request(url, "/graphs/archive/queries/find_person", {
      method: "POST",
      headers: { ...READER, "content-type": "application/json" },
      body: '{"params":{"name":"nobody"}}',
    });
    expect(invoked).toMatchObject({ status: 200, body: { query_name: "find_person", rows: [] } });
    expect(await request(url, "/graphs/archive/queries")).toMatchObject({ status: 401 });
    // No cluster-bound bundle: listing graphs is closed, and the printed note says so.
    expect((await request(url, "/graphs", { headers: READER })).status).toBe(403);
    expect(s.lines.some((l) => l.includes("GET /graphs answers 403"))).toBe(true);

    await s.close();
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it("serves the same graph ready or quarantined by step: trap seed 1 with the pre-#284 order", async () => {
    const at = async (step: number) => {
      const s = await serve({
        scenario: scenario("trap"),
        seed: 1,
        defects: ["arm-before-preview"],
        step,
      });
      const r = await request(s.url as string, "/graphs/archive/queries", { headers: READER });
      await s.close();
      return { boot: s.boot, status: r.status };
    };
    // Step 0 edits archive's schema to one the engine rejects; step 2's apply arms a sidecar
    // for it anyway, and from then on archive is quarantined.
    const before = await at(0);
    expect(before.status).toBe(200);
    expect(before.boot.quarantined).toEqual([]);
    const after = await at(2);
    expect(after.status).toBe(404);
    expect(after.boot.quarantined).toMatchObject([
      { graph_id: "archive", code: "cluster_recovery_pending" },
    ]);
  });

  it("cuts a generative life at step K to exactly the world the whole life had after step K", async () => {
    const opts = { scenario: scenario("trap"), seed: 1, defects: ["arm-before-preview" as const] };
    const whole = await universeAfter(opts);
    const records = whole.outcome.universe.records;
    expect(records.length).toBe(whole.executed);
    for (const step of [0, 2, 5, whole.executed - 2]) {
      const cut = await universeAfter({ ...opts, step });
      expect(cut.outcome.universe.records.length).toBe(step + 1);
      expect(cut.outcome.universe.records.map((r) => [summarize(r.outcome), r.post])).toEqual(
        records.slice(0, step + 1).map((r) => [summarize(r.outcome), r.post]),
      );
    }
  });

  /**
   * The CLI command with a stop that comes at once: a regression that serves where it should
   * not returns instead of waiting for a signal that never comes.
   */
  async function serveCli(argv: string[]) {
    const out: string[] = [];
    const code = await serveCommand(
      parseCliArgs(argv),
      { out: (l) => out.push(l), err: () => {} },
      async () => "test",
    );
    return { code, out };
  }

  it("refuses a step the universe never executes, and a port in use, as bad input", async () => {
    await expect(
      serveCli(["serve", "--scenario", "mid-movement-keeps-sidecar", "--seed", "1", "--step", "6"]),
    ).rejects.toThrow(
      new InputError(
        "bad_arguments",
        "--step 6 is out of range: mid-movement-keeps-sidecar seed 1 executes steps 0..5",
      ),
    );
    await expect(
      serveCli(["serve", "--scenario", "trap", "--seed", "1", "--step", "11"]),
    ).rejects.toThrow("--step 11 is out of range: trap seed 1 executes steps 0..10");
    // Refused before anything runs: one line on stderr and exit 2, through the CLI's main.
    for (const [argv, message] of [
      [["serve", "--scenario", "trap"], "serve needs --seed N"],
      [["serve", "--seed", "1"], "serve needs exactly one --scenario NAME or --file PATH"],
      [
        ["serve", "--scenario", "trap", "--seed", "1", "--port", "70000"],
        "--port must be at most 65535",
      ],
      [
        ["serve", "--scenario", "trap", "--seed", "1", "--step", "x"],
        "--step expects a whole number",
      ],
    ] as const) {
      const r = await simInProcess([...argv]);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.err).toBe(`omnigraph-sim: ${message}\n`);
    }

    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      await expect(
        serve({ scenario: scenario("mid-movement-keeps-sidecar"), seed: 1, defects: [], port }),
      ).rejects.toThrow(`--port ${port}: already in use on 127.0.0.1`);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it("prints the refusal and listens to nothing when the server will not boot (exit 1)", async () => {
    // mid-movement-keeps-sidecar under --require-all-graphs: the quarantine refuses the boot.
    const text = readFileSync(join(ROOT, "scenarios/mid-movement-keeps-sidecar.yaml"), "utf8");
    const file = join(TMP, "strict.yaml");
    writeFileSync(file, `${text}serve: { strict: true }\n`);
    const r = await serveCli(["serve", "--file", file, "--seed", "1", "--step", "1"]);
    expect(r.code).toBe(1);
    expect(r.out.some((l) => /^boot failed \(strict_\w+\): /.test(l))).toBe(true);
    expect(r.out.at(-1)).toBe("nothing to serve: the server refused to boot");
    expect(r.out.some((l) => l.startsWith("serving on"))).toBe(false);
    // The same file at step 0, before the interrupted apply: it boots, serves, and stops.
    const ok = await serveCli(["serve", "--file", file, "--seed", "1", "--step", "0"]);
    expect(ok.code).toBe(0);
    expect(ok.out.at(-1)).toMatch(
      /^stopped \(test\): the server on http:\/\/127\.0\.0\.1:\d+ is closed$/,
    );
  });

  it("runs as a reviewer runs it: a real CLI process serves until SIGTERM, then closes and exits 0", async () => {
    const child = spawn(
      "node",
      [
        join(ROOT, "sim/cli/launch.mjs"),
        "serve",
        "--scenario",
        "mid-movement-keeps-sidecar",
        "--seed",
        "1",
        "--step",
        "2",
      ],
      { cwd: TMP, env: { ...process.env, CI: "1" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    const exited = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => resolve(code)),
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          const m = /serving on (http:\/\/127\.0\.0\.1:\d+) /.exec(out);
          if (m) resolve(m[1] as string);
        });
        child.on("exit", (code) =>
          reject(new Error(`exited ${code} before serving:\n${out}${err}`)),
        );
      });
      expect(await request(url, "/graphs/knowledge/queries", { headers: READER })).toMatchObject({
        status: 404,
      });
      expect(await request(url, "/graphs/archive/queries", { headers: READER })).toMatchObject({
        status: 200,
      });
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(out).toContain(`stopped (SIGTERM): the server on ${url} is closed`);
      expect(err).toBe("");
    } finally {
      // Never left running, whatever failed above.
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  }, 30_000);
});
