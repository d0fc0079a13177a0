import { createHash } from "node:crypto";
import { memoByText } from "./memo.ts";

const sha256OfText = memoByText((text) => createHash("sha256").update(text).digest("hex"), {
  freeze: false,
});

/** Lower-case hex sha256 of the UTF-8 bytes of `text`. */
export function sha256Hex(text: string | Uint8Array): string {
  if (typeof text === "string") return sha256OfText(text);
  return createHash("sha256").update(text).digest("hex");
}
