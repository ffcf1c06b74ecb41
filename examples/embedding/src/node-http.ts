// examples/embedding/src/node-http.ts — the smallest SCEP server: one profile, a static challenge, the local CA.
import { createServer } from 'node:http';
import { createLocalCa, createScepHandler, staticChallenge } from '@scep/server-core';
import { toNodeListener } from '@scep/server-core/node';
import { nodeCrypto } from '@scep/wire/node';
import { devCa } from './dev-ca.js';

export async function start(port = 0) {
  const crypto = nodeCrypto();
  const ca = await devCa();
  const scep = createScepHandler({
    crypto,
    profiles: {
      default: {
        ca: { certificates: [ca.certificate], key: ca.key }, // the CA also acts as RA
        challenge: staticChallenge('change-me'),
        issue: createLocalCa({ ca, crypto, validityDays: 90 }).issue,
      },
    },
    onEvent: (e) => console.log(e.type, 'profile' in e ? e.profile : ''),
  });
  const server = createServer(toNodeListener(scep)).listen(port, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port: bound } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${bound}/scep`, ca: ca.certificate, close: () => new Promise<void>((r) => server.close(() => r())) };
}
