export { type Clock, isoOf, SIM_EPOCH_MS, SimClock } from "./clock.ts";
export { DEFECT_NAMES, DEFECTS, type DefectName, isDefectName } from "./defects.ts";
export {
  type FailpointCallback,
  FailpointConfigError,
  Failpoints,
  type Firing,
} from "./failpoints/Failpoints.ts";
export { formatTerm, parseTerm, type TermParse, type TermStep } from "./failpoints/terms.ts";
export { type FaultCaller, type FaultLayer, NoFaults } from "./faults.ts";
export { type Ids, UlidIds } from "./ids.ts";
export {
  type FailpointVerdict,
  isDeath,
  Process,
  ProcessDeath,
  type ProcessHost,
  rethrowDeath,
} from "./process.ts";
export { Rng } from "./rng.ts";
export type { Storage } from "./storage.ts";
export { type FsPromisesLike, FsStore } from "./store/FsStore.ts";
export { MemoryStore } from "./store/MemoryStore.ts";
export {
  checkKey,
  type ObjectStore,
  StoreError,
  type StoreErrorCode,
  type Versioned,
} from "./store/ObjectStore.ts";
export { formatEvent, Trace, type TraceEvent } from "./trace.ts";
export { World, type WorldParts, type WriteTrigger } from "./world.ts";
