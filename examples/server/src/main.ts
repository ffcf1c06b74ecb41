/**
 * `pnpm start`: the example SCEP server. Defaults: 127.0.0.1:8080, path /scep, data in ./.scep-data
 * (a dev CA generated on first start), a generated challenge printed below. See docs/example-server.md.
 */
import { randomBytes } from 'node:crypto';
import { createExampleServer } from './server.js';
import { readSettings } from './settings.js';
import { ExampleConfigError } from './errors.js';
import { banner } from './banner.js';

const token = (): string => randomBytes(18).toString('base64').replace(/[+/=]/g, (c) => ({ '+': 'A', '/': 'B', '=': '' })[c] ?? '');

async function main(): Promise<void> {
  const settings = readSettings(process.env, { cwd: process.cwd(), randomToken: token });
  const app = await createExampleServer(settings, { log: (line) => console.error(line) });
  for (const w of app.handler.warnings) console.error(`warning: ${w}`);
  const { url } = await app.listen();
  console.log(banner(app, url));
  const stop = (): void => {
    void app.close().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('SIGHUP', () => {
    void app.reload().then((lines) => lines.forEach((l) => console.error(`reload: ${l}`)));
  });
}

main().catch((err: unknown) => {
  // One clear line, never a stack trace.
  const msg = err instanceof ExampleConfigError ? err.message : err instanceof Error ? err.message : String(err);
  console.error(`scep-example: error: ${msg}`);
  process.exit(err instanceof ExampleConfigError ? 2 : 1);
});
