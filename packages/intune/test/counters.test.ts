import { describe, expect, it } from 'vitest';
import { INTUNE_LABELS, IntuneCounters } from '../src/index.js';

describe('IntuneCounters', () => {
  it('reports every label, zeros included, and counts increments', () => {
    const c = new IntuneCounters();
    c.increment('success');
    c.increment('success');
    c.increment('replay');
    const snap = c.snapshot();
    expect(Object.keys(snap)).toEqual([...INTUNE_LABELS]);
    expect(snap.success).toBe(2);
    expect(snap.replay).toBe(1);
    expect(snap.service_error).toBe(0);
    expect(Object.isFrozen(snap)).toBe(true);
    c.reset();
    expect(c.snapshot().success).toBe(0);
  });
});
