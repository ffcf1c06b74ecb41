import { defineConfig } from 'vitest/config';

// One project per package (and one for the examples). The `@scep/source` condition makes
// workspace imports resolve to TypeScript sources, so tests never need a prior build.
const shared = {
  resolve: { conditions: ['@scep/source'] },
  ssr: { resolve: { conditions: ['@scep/source'] } },
};

export default defineConfig({
  test: {
    projects: [
      { ...shared, test: { name: 'wire', root: './packages/wire', include: ['test/**/*.test.ts'] } },
      { ...shared, test: { name: 'intune', root: './packages/intune', include: ['test/**/*.test.ts'] } },
      { ...shared, test: { name: 'server-core', root: './packages/server-core', include: ['test/**/*.test.ts'] } },
      { ...shared, test: { name: 'examples', root: './examples', include: ['*/test/**/*.test.ts'] } },
      { ...shared, test: { name: 'fixtures', root: './fixtures', include: ['test/**/*.test.ts'] } },
      // The benchmarks' own parts whose mistakes would skew a figure (the load generator's HTTP client).
      { ...shared, test: { name: 'bench', root: './bench', include: ['test/**/*.test.ts'] } },
    ],
  },
});
