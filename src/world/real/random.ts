import { randomBytes } from "node:crypto";

/** The production random source, uniform in [0, 1), from the OS CSPRNG. */
export function realRandom(): number {
  return randomBytes(4).readUInt32BE(0) / 0x1_0000_0000;
}

/** A fresh seed for a run nobody pinned (the CLI prints it so the run can be replayed). */
export function realSeed(): number {
  return randomBytes(4).readUInt32BE(0);
}
