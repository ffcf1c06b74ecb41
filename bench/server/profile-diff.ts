/**
 * Where two `pnpm bench:server --profile --json FILE` runs differ, per enrollment: an A/B of a
 * setting (e.g. `--server-env SCEP_REPLY_CACHE=0`) read function by function.
 *   node --import tsx bench/server/profile-diff.ts A.json B.json [TOP]
 */
import { readFileSync } from 'node:fs';
import { formatProfileDiff, mergeSummaries, readProfile } from './profile.js';

interface ProfiledRun {
  readonly profile?: { readonly files?: readonly string[]; readonly file?: string; readonly enrollments: number };
}

function load(path: string): { summary: ReturnType<typeof mergeSummaries>; units: number } {
  const r = JSON.parse(readFileSync(path, 'utf8')) as ProfiledRun;
  const files = r.profile?.files ?? (r.profile?.file ? [r.profile.file] : []);
  if (!r.profile || files.length === 0) throw new Error(`${path}: no profile (run bench:server --profile --json ${path})`);
  return { summary: mergeSummaries(files.map(readProfile)), units: r.profile.enrollments };
}

const [a, b, top] = process.argv.slice(2);
if (!a || !b) {
  console.error('usage: profile-diff.ts A.json B.json [TOP]');
  process.exit(2);
}
console.log(`A: ${a}\nB: ${b}\n`);
console.log(formatProfileDiff(load(a), load(b), Number(top ?? 30)));
