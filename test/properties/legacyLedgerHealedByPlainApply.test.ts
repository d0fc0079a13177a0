import { legacyLedgerHealedByPlainApply } from "./defs/legacyLedgerHealedByPlainApply.ts";
import { propertyTest } from "./lib/property.ts";

/** Issue 6 property 6: statement, generator and check in ./defs/legacyLedgerHealedByPlainApply.ts. */
propertyTest(legacyLedgerHealedByPlainApply);
