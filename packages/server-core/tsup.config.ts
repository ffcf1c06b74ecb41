import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.config.base.js';

export default defineConfig({
  ...packageBuild({ index: 'src/index.ts', node: 'src/adapters/node.ts', express: 'src/adapters/express.ts', fastify: 'src/adapters/fastify.ts', hono: 'src/adapters/hono.ts' }),
  platform: 'node',
  external: ['fastify', 'hono', '@scep/wire', '@scep/intune'],
});
