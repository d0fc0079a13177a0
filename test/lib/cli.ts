import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { main } from "../../sim/cli/main.ts";

export const ROOT = join(import.meta.dirname, "../..");

/** The CLI in this process: its exit code, stdout lines and stderr text. */
export async function simInProcess(argv: string[]) {
  const out: string[] = [];
  let err = "";
  const code = await main(argv, {
    out: (l) => out.push(l),
    err: (t) => {
      err += t;
    },
    tty: false,
  });
  return { code, out, err };
}

/** `pnpm sim ARGS` as a reviewer runs it (the bundled CLI), from folder `cwd`. */
export function simProcess(cwd: string, args: readonly string[]) {
  const r = spawnSync("node", [join(ROOT, "sim/cli/launch.mjs"), ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, CI: "1" },
  });
  return { status: r.status, out: r.stdout, err: r.stderr };
}
