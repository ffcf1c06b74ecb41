// examples/embedding/src/express.ts — SCEP inside an existing Express app.
import express from 'express';
import { createLocalCa, createScepHandler, staticChallenge } from '@scep/server-core';
import { scepExpress } from '@scep/server-core/express';
import { nodeCrypto } from '@scep/wire/node';
import { devCa } from './dev-ca.js';

export async function start(port = 0) {
  const crypto = nodeCrypto();
  const ca = await devCa();
  const scep = createScepHandler({
    crypto,
    profiles: { default: { ca: { certificates: [ca.certificate], key: ca.key }, challenge: staticChallenge('change-me'), issue: createLocalCa({ ca, crypto }).issue } },
  });
  const app = express();
  app.get('/status', (_req, res) => {
    res.json({ ok: true });
  });
  app.use(scepExpress(scep)); // handles /scep and below, passes everything else on
  const server = app.listen(port, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port: bound } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${bound}/scep`, ca: ca.certificate, close: () => new Promise<void>((r) => server.close(() => r())) };
}
