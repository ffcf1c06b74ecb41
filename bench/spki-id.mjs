// The node provider's key-cache id: the old partial id (first and last 48 bytes) against the whole SPKI as latin1 (a3b6dff). 300 RSA-2048 keys cycled through a 256-entry LRU, as the server's cache sees new devices.
import { Buffer } from 'node:buffer';
import { generateKeyPairSync } from 'node:crypto';
const spkis = Array.from({ length: 300 }, () => new Uint8Array(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' })));
const oldId = (spki) => { let s = `${spki.length}:`; for (let i = Math.max(0, spki.length - 48); i < spki.length; i++) s += String.fromCharCode(spki[i]); for (let i = 0; i < Math.min(48, spki.length); i++) s += String.fromCharCode(spki[i]); return s; };
const newId = (spki) => Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength).toString('latin1');
for (const [name, f] of [['old', oldId], ['new', newId], ['old', oldId], ['new', newId]]) {
  const m = new Map();
  const N = 300000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) { const s = spkis[i % 300]; const id = f(s); const e = m.get(id); if (e) { m.delete(id); m.set(id, e); } else { m.set(id, i); if (m.size > 256) m.delete(m.keys().next().value); } }
  console.log(name, (Number(process.hrtime.bigint() - t0) / N).toFixed(0), 'ns per lookup');
}
