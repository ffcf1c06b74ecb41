#!/usr/bin/env node
// Packs every publishable package and runs publint and attw on the tarball, as a user would get it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const pkgs = readdirSync(join(root, 'packages')).filter((d) => existsSync(join(root, 'packages', d, 'package.json')));
const out = mkdtempSync(join(tmpdir(), 'scep-pack-'));
let failed = 0;
const bin = (name) => join(root, 'node_modules', '.bin', name);
try {
  for (const p of pkgs) {
    const dir = join(root, 'packages', p);
    if (!existsSync(join(dir, 'dist'))) {
      console.error(`check-packages: packages/${p}/dist is missing: run pnpm build first`);
      failed++;
      continue;
    }
    const before = new Set(readdirSync(out));
    execFileSync('pnpm', ['pack', '--pack-destination', out], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
    const tgz = readdirSync(out).find((f) => !before.has(f) && f.endsWith('.tgz'));
    if (!tgz) throw new Error(`no tarball for ${p}`);
    const tarball = join(out, tgz);
    for (const [name, args] of [
      ['publint', [tarball, '--strict']],
      ['attw', [tarball, '--profile', 'node16', '--format', 'table-flipped']],
    ]) {
      try {
        execFileSync(bin(name), args, { stdio: 'inherit' });
        console.log(`check-packages: ${name} ok for ${tgz}`);
      } catch {
        console.error(`check-packages: ${name} FAILED for ${tgz}`);
        failed++;
      }
    }
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
