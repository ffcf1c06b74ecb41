/** External tools for cross-checks (openssl), run asynchronously in temp dirs; scripts in a fresh node. */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface ToolResult {
  readonly code: number;
  readonly stdout: Uint8Array;
  readonly stderr: string;
  readonly text: string;
}

/** Runs a command, optionally feeding `input` on stdin. Never throws for a non-zero exit. */
export function run(cmd: string, args: readonly string[], o: { input?: Uint8Array; cwd?: string } = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...args], { cwd: o.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdout = new Uint8Array(Buffer.concat(out));
      resolve({ code: code ?? -1, stdout, stderr: Buffer.concat(err).toString('utf8'), text: Buffer.from(stdout).toString('utf8') });
    });
    child.stdin.end(o.input === undefined ? undefined : Buffer.from(o.input));
  });
}

export const openssl = (args: readonly string[], o: { input?: Uint8Array; cwd?: string } = {}): Promise<ToolResult> => run('openssl', args, o);

/** OpenSSL 3 needs the legacy provider for single DES. */
export const LEGACY_PROVIDERS = ['-provider', 'legacy', '-provider', 'default'] as const;

export async function tempDir(prefix: string): Promise<{ readonly path: string; file(name: string): string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, file: (name) => join(path, name), remove: () => rm(path, { recursive: true, force: true }) };
}


/**
 * Runs a TypeScript script in a fresh node process, as a user's code would run it: the file lives
 * inside the repository (so `@scep/wire` resolves) and node loads the package sources through tsx.
 * `prefix` goes before node (e.g. `['nice', '-n', '12']`). NODE_OPTIONS is not passed on, so the
 * script's stderr holds only what it writes.
 */
export function runScript(name: string, source: string, prefix: readonly string[] = []): SpawnSyncReturns<string> {
  const root = resolve(import.meta.dirname, '../../..');
  mkdirSync(join(root, '.tmp'), { recursive: true });
  const dir = mkdtempSync(join(root, '.tmp', `${name}-`));
  try {
    const script = join(dir, 'run.ts');
    writeFileSync(script, source);
    const env = { ...process.env };
    delete env['NODE_OPTIONS'];
    const [cmd = process.execPath, ...args] = [...prefix, process.execPath, '--conditions=@scep/source', '--import', 'tsx', script];
    return spawnSync(cmd, args, { cwd: root, env, encoding: 'utf8', timeout: 30_000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
