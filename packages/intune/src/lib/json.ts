/** Bounded JSON decoding of untrusted UTF-8. */

const DECODER = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export type JsonObject = Readonly<Record<string, unknown>>;

/**
 * Decodes `bytes` as a UTF-8 JSON object. Returns `undefined` for invalid UTF-8, invalid JSON or a
 * non-object; the caller raises its own typed error. Size is bounded by the caller.
 */
export function decodeJsonObject(bytes: Uint8Array): JsonObject | undefined {
  let text: string;
  try {
    text = DECODER.decode(bytes);
  } catch {
    return undefined;
  }
  return parseJsonObject(text);
}

export function parseJsonObject(text: string): JsonObject | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return isJsonObject(value) ? value : undefined;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function hasOwn(obj: JsonObject, key: string): boolean {
  return Object.hasOwn(obj, key);
}
