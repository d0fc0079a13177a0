import { writeFileSync } from "node:fs";
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
