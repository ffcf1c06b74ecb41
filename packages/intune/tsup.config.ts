import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.config.base.js';

// `./node` imports the core by package name; keeping that external makes both entries share one
// copy of every class (so `instanceof TrustAnchorError` holds across them).
export default defineConfig({ ...packageBuild({ index: 'src/index.ts', node: 'src/node/index.ts' }), external: ['@scep/intune'] });
