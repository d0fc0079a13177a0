// `pnpm sim`: the CLI from a precompiled bundle of sim/cli/main.ts (sim/bundle.mjs), which
// starts in a fraction of tsx's time and runs a little faster; through tsx when no bundle
// can be built. Either way the same code runs, with the same results.
import { bundle } from "../bundle.mjs";

const b = await bundle("sim/cli/main.ts", "cli");
let cli;
if (b.ok) cli = await import(b.url.href);
else {
  const { register } = await import("tsx/esm/api");
  register();
  cli = await import("./main.ts");
}
await cli.runCli();
