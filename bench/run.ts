/** `pnpm bench`: every micro-benchmark suite, one process, numbers and ratios printed. */
import { runWireBench } from './wire.js';

const only = process.argv.slice(2);
const want = (name: string): boolean => only.length === 0 || only.includes(name);

console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
if (want('wire')) await runWireBench();
if (want('intune')) {
  const path = './intune.js';
  const mod = (await import(path).catch(() => undefined)) as { runIntuneBench?: () => Promise<void> } | undefined;
  if (mod?.runIntuneBench) await mod.runIntuneBench();
}
