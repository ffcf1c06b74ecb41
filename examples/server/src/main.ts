/**
 * `pnpm start`: the example SCEP server. Defaults: 127.0.0.1:8080, path /scep, data in ./.scep-data
 * (a dev CA generated on first start), a generated challenge printed below. SCEP_WORKERS=N runs N
 * node:cluster workers with their shared state in the primary. See docs/example-server.md.
 */
import { randomBytes } from 'node:crypto';
import { lowerHelperThreadPriority } from '@scep/wire/node';
import { banner } from './banner.js';
import { cluster, IpcClient, SharedState, type ReadyMessage } from './cluster.js';
import { ExampleConfigError } from './errors.js';
import { createExampleServer, type ExampleServer } from './server.js';
import { readSettings, type Settings } from './settings.js';

const token = (): string => randomBytes(18).toString('base64').replace(/[+/=]/g, (c) => ({ '+': 'A', '/': 'B', '=': '' })[c] ?? '');
const log = (line: string): void => console.error(line);

function onSignals(app: ExampleServer, extra: () => void = () => undefined): void {
  const stop = (): void => {
    extra();
    void app.close().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('SIGHUP', () => {
    void app.reload().then((lines) => lines.forEach((l) => log(`reload: ${l}`)));
  });
}

// Lets the event loop run before libuv's signing threads when the cores are busy
// (docs/example-server.md, "Threads").
async function helperPriority(settings: Settings, quiet = false): Promise<void> {
  if (settings.helperNice === 0) return;
  try {
    const r = await lowerHelperThreadPriority({ nice: settings.helperNice });
    if (r && !quiet) log(`threads: ${r.helpers} helper threads (libuv's pool, V8) at nice ${r.nice}, the event loop at ${r.eventLoopNice} (SCEP_HELPER_NICE=0 leaves them alone)`);
    if (r && r.failed > 0) log(`warning: the priority of ${r.failed} helper threads could not be changed (exited, or not permitted)`);
  } catch (err) {
    log(`warning: could not lower the helper threads' priority: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function single(settings: Settings): Promise<void> {
  const app = await createExampleServer(settings, { log });
  for (const w of app.handler.warnings) log(`warning: ${w}`);
  const { url } = await app.listen();
  await helperPriority(settings);
  console.log(banner(app, url));
  onSignals(app);
}

async function worker(settings: Settings): Promise<void> {
  const ipc = new IpcClient({ workers: settings.workers });
  const app = await createExampleServer(settings, { log, shared: ipc });
  ipc.metrics = app.handler.metrics;
  const { url } = await app.listen();
  await helperPriority(settings, true);
  const ready: ReadyMessage = { t: 'scep-ready', url };
  (process.send as (m: unknown) => boolean)(ready);
  onSignals(app);
}

async function primary(settings: Settings): Promise<void> {
  // Builds everything once here (the CA on first start, every check) so a bad configuration fails
  // in one place with one line, and the workers only load what exists.
  const probe = await createExampleServer(settings, { log });
  for (const w of probe.handler.warnings) log(`warning: ${w}`);
  const shared = new SharedState(settings);
  // Workers must agree on the secrets generated for this run (set ones reach them with the env).
  const generated = settings.profiles.map((p) => p.challenge).find((c) => c.type === 'static' && c.generated);
  const env: Record<string, string> = {
    ...(generated?.type === 'static' ? { SCEP_CHALLENGE: generated.password } : {}),
    ...(settings.adminTokenGenerated ? { SCEP_ADMIN_TOKEN: settings.adminToken } : {}),
  };
  cluster.setupPrimary({ serialization: 'advanced' });
  let stopping = false;
  let url = '';
  const ready = new Set<number>();
  const fork = (): void => {
    const w = cluster.fork(env);
    shared.attach(w);
    w.on('message', (m: unknown) => {
      const msg = m as Partial<ReadyMessage>;
      if (msg.t !== 'scep-ready') return;
      url = msg.url ?? url;
      ready.add(w.id);
      if (ready.size === settings.workers) console.log(`${banner(probe, url)}\nworkers:   ${settings.workers} (node:cluster; challenges, pending transactions, Intune nonces and counters shared through the primary)`);
    });
    // A send racing the worker's exit fails with EPIPE on the worker object: without a listener
    // that error would end the primary, and every worker with it.
    w.on('error', (err) => log(`worker ${w.id}: ${err.message}`));
    w.on('exit', (code, signal) => {
      shared.detach(w);
      ready.delete(w.id);
      if (stopping) return;
      log(`worker ${w.id} exited (${signal ?? code}); starting another`);
      fork();
    });
  };
  for (let i = 0; i < settings.workers; i++) fork();
  const stop = (): void => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    void probe.close().finally(() => setTimeout(() => process.exit(0), 500));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('SIGHUP', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGHUP');
  });
}

async function main(): Promise<void> {
  const settings = readSettings(process.env, { cwd: process.cwd(), randomToken: token });
  if (cluster.isWorker) return worker(settings);
  if (settings.workers > 1) return primary(settings);
  return single(settings);
}

main().catch((err: unknown) => {
  // One clear line, never a stack trace.
  const msg = err instanceof ExampleConfigError ? err.message : err instanceof Error ? err.message : String(err);
  console.error(`scep-example: error: ${msg}`);
  process.exit(err instanceof ExampleConfigError ? 2 : 1);
});
