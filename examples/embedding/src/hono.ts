// examples/embedding/src/hono.ts — SCEP on Hono (any runtime Hono runs on; here @hono/node-server).
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { createLocalCa, createScepHandler, staticChallenge } from '@scep/server-core';
import { scepHono } from '@scep/server-core/hono';
import { nodeCrypto } from '@scep/wire/node';
import { devCa } from './dev-ca.js';

export async function start(port = 0) {
  const crypto = nodeCrypto();
  const ca = await devCa();
  const scep = scepHono(
    createScepHandler({
      crypto,
      profiles: { default: { ca: { certificates: [ca.certificate], key: ca.key }, challenge: staticChallenge('change-me'), issue: createLocalCa({ ca, crypto }).issue } },
    }),
  );
  const app = new Hono();
  app.all('/scep', scep);
  app.all('/scep/*', scep);
  const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
  await new Promise((r) => (server.listening ? r(undefined) : server.once('listening', r)));
  const { port: bound } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${bound}/scep`, ca: ca.certificate, close: () => new Promise<void>((r) => server.close(() => r())) };
}
