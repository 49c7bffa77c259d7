/**
 * Input files read with their size counted as the bytes arrive, whatever the file is (a regular
 * file, a FIFO, /dev/zero): a size from `stat` says nothing about a pipe or a device, so the limit
 * holds only if it is enforced while reading. Nesting is bounded before parsing, so that no deeply
 * nested document reaches a recursive walker.
 */
import { createReadStream } from "node:fs";
import { InputError } from "./errors.js";

/**
 * Reads a file as UTF-8, refusing it as soon as more than `maxBytes` arrived. `what` names the kind
 * of file and `limitName` the option that sets the limit, for the message.
 */
export async function readTextBounded(path: string, label: string, what: string, maxBytes: number, limitName: string): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  const stream = createReadStream(path, { highWaterMark: 64 * 1024 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) {
        throw new InputError(`${label}: (root): ${what} is over the limit of ${maxBytes} bytes (${limitName})`);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`${label}: cannot read ${what}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks, total).toString("utf8");
}

/**
 * Refuses JSON text nested deeper than `maxDepth` arrays and objects, in one pass over the text
 * (strings skipped), before anything recursive sees it.
 */
export function checkJsonDepth(text: string, label: string, maxDepth: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) throw new InputError(`${label}: (root): nested deeper than ${maxDepth} levels (at character ${i})`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}
