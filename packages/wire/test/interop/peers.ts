/** Locating and running the real SCEP clients from ../shared/peers (installed by .ci/run). */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const PEERS_DIR = resolve(process.env['SCEP_PEERS_DIR'] ?? resolve(import.meta.dirname, '../../../../../shared/peers'));

function onPath(bin: string): boolean {
  return (process.env['PATH'] ?? '').split(':').some((d) => existsSync(`${d}/${bin}`));
}

export const HAVE = {
  micromdm: existsSync(`${PEERS_DIR}/enroll-micromdm.sh`) && onPath('scepclient'),
  certmonger: existsSync(`${PEERS_DIR}/enroll-certmonger.sh`) && onPath('certmonger'),
  strongswan: existsSync(`${PEERS_DIR}/enroll-strongswan.sh`) && onPath('pki'),
  scepserver: existsSync(`${PEERS_DIR}/with-scepserver.sh`) && onPath('scepserver'),
};

/** CI sets SCEP_REQUIRE_PEERS=1: a missing peer then fails the run instead of skipping. */
export const REQUIRE = process.env['SCEP_REQUIRE_PEERS'] === '1';

export function peerAvailable(name: keyof typeof HAVE): boolean {
  if (HAVE[name]) return true;
  if (REQUIRE) throw new Error(`SCEP peer ${name} is required (SCEP_REQUIRE_PEERS=1) but not installed: run ${PEERS_DIR}/install.sh --with-cc --with-strongswan`);
  return false;
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Per-test timeout for a test that drives a real client: about a second alone, several on a busy
 * CI machine (certmonger runs its own daemon and polls it). vitest's 5 s default is too short.
 */
export const PEER_TEST_TIMEOUT_MS = 60_000;

/** Runs a peer script asynchronously (the test's own HTTP server must keep serving meanwhile). */
export function runPeer(script: string, args: readonly string[], timeoutMs = 180_000): Promise<RunResult> {
  return new Promise((res) => {
    execFile(`${PEERS_DIR}/${script}`, [...args], { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      res({ code, stdout, stderr });
    });
  });
}
