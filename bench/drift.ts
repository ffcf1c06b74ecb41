/**
 * How much this machine's speed drifts: one RSA-2048 private decrypt, timed in consecutive 300 ms
 * windows, as wall time and as this process's CPU time, beside the machine's steal time. When CPU
 * time moves with wall time and steal stays near zero, the vCPU itself runs at a varying speed
 * (neighbours on the host, frequency), and only figures taken close together can be compared.
 *
 *   node --import tsx bench/drift.ts [windows]
 */
import { constants, generateKeyPairSync, privateDecrypt, publicEncrypt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fmt } from './lib.js';

const windows = Number(process.argv[2] ?? 20);
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const block = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, new Uint8Array(32));
/** The machine's steal time in jiffies (the 8th value of /proc/stat's cpu line); NaN off Linux. */
const steal = (): number => {
  try {
    return Number(readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/)[8]);
  } catch {
    return NaN;
  }
};

const cpus: number[] = [];
for (let w = 0; w < windows; w++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const s0 = steal();
  let n = 0;
  while (performance.now() - t0 < 300) {
    privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, block);
    n++;
  }
  const wallUs = ((performance.now() - t0) * 1000) / n;
  const c = process.cpuUsage(c0);
  const cpuUs = (c.user + c.system) / n;
  cpus.push(cpuUs);
  console.log(`window ${String(w + 1).padStart(2)}: wall ${fmt(wallUs, 0)} µs  cpu ${fmt(cpuUs, 0)} µs  steal ${steal() - s0} jiffies`);
}
const lo = Math.min(...cpus);
const hi = Math.max(...cpus);
console.log(`RSA-2048 decrypt, CPU µs per call: ${fmt(lo, 0)} to ${fmt(hi, 0)} (spread ${fmt((100 * (hi - lo)) / lo, 1)} %)`);
