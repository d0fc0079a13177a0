import { loadScenarioFile } from "../scenario/load.ts";
import { findScenario, shippedScenarios } from "../scenario/registry.ts";
import type { Scenario } from "../scenario/schema.ts";
import { serveUniverse } from "../serve/serve.ts";
import type { Args } from "./args.ts";
import { InputError } from "./InputError.ts";

interface ServeIo {
  readonly out: (line: string) => void;
  readonly err: (text: string) => void;
}

/** Resolves with the first SIGINT or SIGTERM this process receives, and stops listening for them. */
export function nextStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve(signal);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

/**
 * `pnpm sim serve`: serves one universe's world until `stopped` resolves (a signal, by
 * default), then closes the server. 0 once it closed, 1 when the server refused to boot.
 */
export async function serveCommand(
  args: Args,
  io: ServeIo,
  stopped: () => Promise<string> = nextStopSignal,
): Promise<number> {
  if (args.seed === undefined) throw new InputError("bad_arguments", "serve needs --seed N");
  if (args.file === undefined && args.scenarios.length !== 1)
    throw new InputError("bad_arguments", "serve needs exactly one --scenario NAME or --file PATH");
  const scenario: Scenario =
    args.file !== undefined
      ? loadScenarioFile(args.file)
      : findScenario(args.scenarios[0] as string, shippedScenarios());
  const serving = await serveUniverse({
    scenario,
    seed: args.seed,
    defects: args.defects,
    ...(args.step !== undefined ? { step: args.step } : {}),
    ...(args.port !== undefined ? { port: args.port } : {}),
  });
  for (const line of serving.lines) io.out(line);
  if (serving.url === null) return 1;
  const signal = await stopped();
  await serving.close();
  io.out(`stopped (${signal}): the server on ${serving.url} is closed`);
  return 0;
}
