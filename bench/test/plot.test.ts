import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LABEL_GAP, placeLabels, type Label } from '../server/plot.js';

describe('placeLabels', () => {
  it('keeps the labels of one level apart and in the order of their points', () => {
    const point = fc.record({ x: fc.constantFrom(70, 250, 430), y: fc.integer({ min: 60, max: 400 }), text: fc.string(), color: fc.constant('#000') });
    fc.assert(
      fc.property(fc.array(point, { maxLength: 12 }), (points: Label[]) => {
        const labels = placeLabels(points);
        expect(labels).toHaveLength(points.length);
        for (const x of new Set(points.map((p) => p.x))) {
          const placed = labels.filter((l) => l.x === x).sort((a, b) => a.y - b.y);
          for (let i = 1; i < placed.length; i++) expect((placed[i] as Label).y - (placed[i - 1] as Label).y).toBeGreaterThanOrEqual(LABEL_GAP);
          // The order of the labels is the order of their points.
          const want = points.filter((p) => p.x === x).sort((a, b) => a.y - b.y);
          expect(placed.map((l) => l.text)).toEqual(want.map((p) => p.text));
        }
      }),
    );
  });

  it('puts the highest point’s label above it and the others below theirs', () => {
    const labels = placeLabels([
      { x: 1, y: 100, text: 'low', color: 'a' },
      { x: 1, y: 50, text: 'high', color: 'b' },
      { x: 1, y: 52, text: 'close', color: 'c' },
    ]);
    expect(labels.find((l) => l.text === 'high')?.y).toBe(42);
    expect(labels.find((l) => l.text === 'close')?.y).toBe(68);
    expect(labels.find((l) => l.text === 'low')?.y).toBe(116);
  });
});
