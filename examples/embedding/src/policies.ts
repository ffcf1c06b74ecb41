// examples/embedding/src/policies.ts — one-time challenges, a webhook check, CSR policy, an external issuer with PENDING.
import { createServer } from 'node:http';
import {
  createLocalCa,
  createScepHandler,
  customChallenge,
  dynamicChallenge,
  firstMatchChallenge,
  InMemoryChallengeStore,
  type IssueHook,
} from '@scep/server-core';
import { toNodeListener } from '@scep/server-core/node';
import { nodeCrypto } from '@scep/wire/node';
import { devCa } from './dev-ca.js';

export async function start(port = 0) {
  const crypto = nodeCrypto();
  const ca = await devCa();
  const localCa = createLocalCa({ ca, crypto, validityDays: 30 });
  const store = new InMemoryChallengeStore();

  // Devices whose CN starts with "kiosk-" wait for an operator; the rest are issued at once.
  const issue: IssueHook = async (request, context) => {
    if (request.csr.commonName?.startsWith('kiosk-') && request.attempt === 'initial') return { status: 'pending' };
    return localCa.issue(request, context);
  };

  const scep = createScepHandler({
    crypto,
    profiles: {
      default: {
        ca: { certificates: [ca.certificate], key: ca.key },
        // A one-time challenge from the store, else ask an inventory service (a webhook).
        challenge: firstMatchChallenge(
          dynamicChallenge(store, { skipUnknown: true }),
          customChallenge(async ({ challengePassword, csr }) => challengePassword === `inventory:${csr.commonName}`, { name: 'inventory' }),
        ),
        csrPolicy: {
          minRsaBits: 2048,
          keyTypes: ['RSA', 'EC'],
          check: (csr) => (csr.subjectAltNames.every((n) => n.type !== 'dns' || n.value.endsWith('.example.com')) ? { ok: true } : { ok: false, reason: 'DNS names must be under example.com' }),
        },
        renewal: { graceMs: 7 * 86_400_000 },
        issue,
      },
    },
    onEvent: (e) => {
      if (e.type === 'pending') console.log(`waiting for approval: ${e.transactionId} ${e.subject}`);
    },
  });
  const server = createServer(toNodeListener(scep)).listen(port, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port: bound } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${bound}/scep`,
    ca: ca.certificate,
    /** What an admin endpoint would call. */
    mint: (commonName: string) => store.mint({ profile: 'default', ttlMs: 3600_000, binding: { commonName }, now: new Date() }),
    approve: (transactionId: string) => scep.approvePending('default', transactionId),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
