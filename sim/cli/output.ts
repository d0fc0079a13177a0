import { accessSync, constants, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { InputError } from "./InputError.ts";

/** Writes an output file; an unwritable path is bad input (one line, exit 2), not a crash. */
export function writeOut(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (e) {
    throw new InputError(
      "output_unwritable",
      `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }
}

/**
 * Refuses, before a fleet runs, an output path that cannot be written: its folder missing or
 * read-only, or the path itself a folder. A long run must not end in a lost report.
 */
export function checkWritable(option: string, path: string): void {
  const fail = (why: string) => {
    throw new InputError("output_unwritable", `${option} ${path}: ${why}`);
  };
  let dir: ReturnType<typeof statSync> | undefined;
  try {
    dir = statSync(dirname(path));
  } catch {
    fail("its folder does not exist");
  }
  if (!dir?.isDirectory()) fail("its folder is not a folder");
  try {
    accessSync(dirname(path), constants.W_OK);
  } catch {
    fail("its folder is not writable");
  }
  try {
    if (statSync(path).isDirectory()) fail("it is a folder");
  } catch (e) {
    if (e instanceof InputError) throw e;
  }
}
