import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OldestKey } from '../../src/lib/oldest-key.js';

type Op =
  | { readonly kind: 'insert' | 'move' | 'delete'; readonly key: number }
  | { readonly kind: 'peek' | 'dropOldest' | 'reset' | 'clear' | 'fill' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constantFrom('insert' as const, 'move' as const, 'delete' as const), key: fc.integer({ min: 0, max: 40 }) }) },
  { weight: 6, arbitrary: fc.constantFrom<Op>({ kind: 'peek' }, { kind: 'dropOldest' }) },
  { weight: 1, arbitrary: fc.constantFrom<Op>({ kind: 'reset' }, { kind: 'clear' }, { kind: 'fill' }) },
);

describe('OldestKey', () => {
  it('property: peek is always the first key of the Map, through inserts, moves, deletes anywhere and table rebuilds', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 500, size: 'max' }), (ops) => {
        const map = new Map<string, number>();
        const oldest = new OldestKey(map);
        const first = (): string | undefined => map.keys().next().value;
        let n = 0;
        for (const o of ops) {
          switch (o.kind) {
            case 'insert':
              if (!map.has(`k${o.key}`)) map.set(`k${o.key}`, n++);
              break;
            case 'move': // delete and set again: the key goes to the end
              if (map.has(`k${o.key}`)) {
                oldest.delete(`k${o.key}`);
                map.set(`k${o.key}`, n++);
              }
              break;
            case 'delete':
              oldest.delete(`k${o.key}`);
              break;
            case 'peek':
              break;
            case 'dropOldest': {
              const k = oldest.peek();
              if (k !== undefined) oldest.delete(k);
              break;
            }
            case 'reset':
              oldest.reset();
              break;
            case 'clear':
              map.clear();
              oldest.reset();
              break;
            case 'fill': // enough inserts and deletes that V8 rebuilds the table under the iterator
              for (let i = 0; i < 200; i++) map.set(`f${n++}`, n);
              for (let i = 0; i < 150; i++) oldest.delete(oldest.peek()!);
              break;
          }
          expect(oldest.peek()).toBe(first());
        }
      }),
      { seed: 35, numRuns: 500 },
    );
  });

  it('a key looked at stays until it is deleted; an empty map has none', () => {
    const map = new Map<string, number>();
    const oldest = new OldestKey(map);
    expect(oldest.peek()).toBeUndefined();
    map.set('a', 1).set('b', 2);
    expect(oldest.peek()).toBe('a');
    expect(oldest.peek()).toBe('a');
    oldest.delete('a');
    map.set('a', 3); // back, at the end
    expect(oldest.peek()).toBe('b');
    oldest.delete('b');
    expect(oldest.peek()).toBe('a');
    oldest.delete('a');
    expect(oldest.peek()).toBeUndefined();
    map.set('c', 4); // after the iterator had finished
    expect(oldest.peek()).toBe('c');
  });
});
