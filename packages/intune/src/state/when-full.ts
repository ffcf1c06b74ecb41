/**
 * What a bounded in-memory store does when a new key arrives and it is full even after dropping
 * what has expired.
 *
 * - `refuse` (the default): the new key is refused and every live entry stays. A flood cannot make
 *   the store forget a nonce (which would make a captured token replayable) or a device's window
 *   (which would hand it a fresh budget).
 * - `evict`: the live entry nearest its end is forgotten to make room, for those who prefer
 *   availability to that guarantee.
 */
export type WhenFull = 'refuse' | 'evict';

export const DEFAULT_WHEN_FULL: WhenFull = 'refuse';

/** Reads the option; anything else is a caller bug. */
export function readWhenFull(owner: string, value: WhenFull | undefined): WhenFull {
  if (value === undefined) return DEFAULT_WHEN_FULL;
  if (value !== 'refuse' && value !== 'evict') throw new TypeError(`${owner}: whenFull must be 'refuse' or 'evict'`);
  return value;
}
