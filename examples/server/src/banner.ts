/** What the example server prints on start: where it listens, the challenge, and commands to enroll. */
import { createRequire } from 'node:module';
import { formatName, isLegacyAllowed } from '@scep/wire';
import { fingerprint } from './pki.js';
import type { ExampleServer } from './server.js';

// The start scripts' preload (the same module instance when it was preloaded): its quota and helper.
const threadpool = createRequire(import.meta.url)('./threadpool.cjs') as {
  readonly cpuQuota: number | undefined;
  libuvPoolSize(value: string | undefined): number;
};

/** What libuv makes of UV_THREADPOOL_SIZE, and the CPU quota when there is one. */
export function poolLine(value: string | undefined, quota: number | undefined): string {
  const q = quota === undefined ? '' : `; cgroup CPU quota ${Number(quota.toFixed(2))} cores`;
  if (value === undefined) return `4 (Node's default; \`pnpm start\` sizes it to the machine${q})`;
  const n = threadpool.libuvPoolSize(value);
  return String(n) === value.trim() ? `${n} (UV_THREADPOOL_SIZE${q})` : `${n} (libuv's reading of UV_THREADPOOL_SIZE=${JSON.stringify(value)}${q})`;
}

export function banner(app: ExampleServer, url: string): string {
  const s = app.settings;
  const origin = url.slice(0, url.length - s.path.length);
  const lines: string[] = [`SCEP server listening on ${url}`, ''];
  for (const r of app.profiles) {
    const p = r.settings;
    const purl = p.name === s.defaultProfile ? url : `${url}/${p.name}`;
    lines.push(`profile "${p.name}": ${purl}`);
    lines.push(`  CA:        ${formatName(r.pki.ca.certificate.subject)}  (${r.pki.generated ? 'generated' : 'loaded'} in ${r.pki.dir})`);
    lines.push(`  SHA-256:   ${fingerprint(r.pki.ca.certificate)}`);
    if (r.pki.ra) lines.push(`  RA:        ${formatName(r.pki.ra.certificate.subject)}`);
    const c = p.challenge;
    lines.push(`  challenge: ${c.type === 'static' ? `${c.password}${c.generated ? '  (generated; set SCEP_CHALLENGE to choose one)' : ''}` : c.type === 'dynamic' ? 'one-time, mint with the admin API' : 'none (no challenge required)'}`);
    lines.push(`  caps:      ${app.handler.capabilities(p.name).join(' ')}`);
    if (p.approval === 'manual') lines.push('  approval:  manual (PENDING until approved with the admin API)');
    if (r.intune) lines.push('  intune:    enabled');
    const pw = c.type === 'static' ? c.password : '<challenge>';
    lines.push('  enroll with strongSwan:');
    lines.push(`    pki --gen --type rsa --size 2048 --outform pem > device.key`);
    lines.push(`    pki --scepca --url ${purl} --caout ca.pem --outform pem`);
    lines.push(`    pki --scep --url ${purl} --in device.key --dn "CN=my-device" --password '${pw}' --cacert-enc ca.pem --cacert-sig ca.pem --outform pem > device.crt`);
    if (isLegacyAllowed(p.legacy, 'DES-CBC') && isLegacyAllowed(p.legacy, 'SHA-1')) {
      lines.push('  enroll with micromdm scepclient (DES + SHA-1, enabled here by legacy):');
      lines.push(`    scepclient -server-url ${purl} -challenge '${pw}' -private-key device.key -cn my-device -certificate device.crt`);
    } else {
      lines.push('  (micromdm scepclient needs DES and SHA-1: start with SCEP_LEGACY=1)');
    }
    lines.push('');
  }
  lines.push(`admin API: ${origin}/admin  (Authorization: Bearer ${s.adminToken}${s.adminTokenGenerated ? ', generated; set SCEP_ADMIN_TOKEN to choose one' : ''})`);
  lines.push(`  mint a one-time challenge: curl -s -X POST -H 'Authorization: Bearer ${s.adminToken}' -d '{"ttlSeconds":3600}' ${origin}/admin/challenges`);
  lines.push(`health: ${origin}/healthz   metrics: ${origin}/metrics (bearer token)`);
  // Set by threadpool.cjs when started with `pnpm start`; Node's own default otherwise.
  lines.push(`signing threads: ${poolLine(s.env['UV_THREADPOOL_SIZE'], threadpool.cpuQuota)}`);
  lines.push('More clients (certmonger, Windows, Apple, Intune): docs/clients.md');
  return lines.join('\n');
}
