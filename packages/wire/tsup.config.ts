import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.config.base.js';

export default defineConfig({ ...packageBuild({ index: 'src/index.ts', node: 'src/node/index.ts' }), platform: 'node' });
