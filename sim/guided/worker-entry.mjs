// Worker threads do not inherit the parent's --import hooks on Node 20: register tsx here,
// then load the TypeScript worker (used only when no bundle can be built).
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
