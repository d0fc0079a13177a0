import { ledgerNeverRollsBackAndConverges } from "./defs/ledgerNeverRollsBackAndConverges.ts";
import { propertyTest } from "./lib/property.ts";

/** Issue 6 property: statement, generator and check in ./defs/ledgerNeverRollsBackAndConverges.ts. */
propertyTest(ledgerNeverRollsBackAndConverges);
