// examples/embedding/src/fastify.ts — SCEP as a Fastify plugin.
import Fastify from 'fastify';
import { createLocalCa, createScepHandler, staticChallenge } from '@scep/server-core';
import { scepFastify } from '@scep/server-core/fastify';
import { nodeCrypto } from '@scep/wire/node';
import { devCa } from './dev-ca.js';

export async function start(port = 0) {
  const crypto = nodeCrypto();
  const ca = await devCa();
  const scep = createScepHandler({
    crypto,
    profiles: { default: { ca: { certificates: [ca.certificate], key: ca.key }, challenge: staticChallenge('change-me'), issue: createLocalCa({ ca, crypto }).issue } },
  });
  const app = Fastify();
  await app.register(scepFastify(scep)); // its raw-body parser stays inside the plugin
  await app.listen({ port, host: '127.0.0.1' });
  const { port: bound } = app.server.address() as { port: number };
  return { url: `http://127.0.0.1:${bound}/scep`, ca: ca.certificate, close: () => app.close() };
}
