import type { Options } from 'tsup';

/** Shared build settings: ESM + CJS + bundled .d.ts, one file per public entry. */
export function packageBuild(entry: Record<string, string>): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: { compilerOptions: { customConditions: [] } },
    tsconfig: 'tsconfig.build.json',
    clean: true,
    sourcemap: true,
    splitting: false,
    treeshake: true,
    target: 'node20',
    platform: 'neutral',
    outDir: 'dist',
  };
}
