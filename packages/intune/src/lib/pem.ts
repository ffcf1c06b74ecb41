/** RFC 7468 textual encoding: the blocks of a PEM bundle. Text between blocks is ignored (§2). */
import { decodeBase64 } from './base64.js';

export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;

/**
 * Every block of `text`, in order. Returns `undefined` when a block's labels disagree or its body
 * is not base64: a half-readable bundle is treated as unreadable, never partially loaded.
 */
export function parsePemBlocks(text: string): PemBlock[] | undefined {
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const [, begin, body, end] = m;
    if (begin === undefined || body === undefined || begin !== end) return undefined;
    const der = decodeBase64(body);
    if (der === undefined || der.length === 0) return undefined;
    blocks.push({ label: begin, der });
  }
  // A BEGIN with no matching END means a truncated file.
  const begins = text.split('-----BEGIN ').length - 1;
  if (begins !== blocks.length) return undefined;
  return blocks;
}
