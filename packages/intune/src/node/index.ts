/**
 * Node.js helpers (`@scep/intune/node`): trust anchors from a PEM file, reloaded on SIGHUP and
 * when the file changes. The core never touches the file system; this adapter only supplies the
 * loader and the triggers.
 */
import { watch, watchFile, unwatchFile, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
// The core is imported by package name, not by relative path, so the built `./node` entry shares
// the main entry's classes (instanceof holds) instead of bundling a second copy.
import {
  DEFAULT_MAX_BUNDLE_BYTES,
  TrustAnchorError,
  TrustAnchorHolder,
  type TrustAnchorHolderOptions,
  type TrustAnchorReport,
} from '@scep/intune';

export interface FileTrustAnchorOptions extends Omit<TrustAnchorHolderOptions, 'load'> {
  /** Path of the PEM bundle. */
  readonly path: string;
}

/** A loader that reads `path`, refusing files over `maxBytes` before reading them. */
export function fileTrustAnchorLoader(path: string, maxBytes = DEFAULT_MAX_BUNDLE_BYTES): () => Promise<Uint8Array> {
  const file = resolve(path);
  return async () => {
    const info = await stat(file);
    if (!info.isFile()) throw new TrustAnchorError('ERR_INTUNE_ANCHORS_UNREADABLE', `${file} is not a regular file`);
    if (info.size > maxBytes) throw new TrustAnchorError('ERR_INTUNE_ANCHORS_TOO_LARGE', `${file} exceeds ${maxBytes} bytes`);
    return new Uint8Array(await readFile(file));
  };
}

/** A holder over a file; call `reload()` (or use `TrustAnchorHolder.create`-like `loadTrustAnchorFile`). */
export function createFileTrustAnchorHolder(options: FileTrustAnchorOptions): TrustAnchorHolder {
  const { path, ...rest } = options;
  return new TrustAnchorHolder({ ...rest, load: fileTrustAnchorLoader(path, options.maxBundleBytes) });
}

/** Creates a file-backed holder and loads it once; throws `TrustAnchorError` if that fails. */
export async function loadTrustAnchorFile(options: FileTrustAnchorOptions): Promise<TrustAnchorHolder> {
  const holder = createFileTrustAnchorHolder(options);
  await holder.reload();
  return holder;
}

export interface WatchTrustAnchorsOptions {
  readonly holder: TrustAnchorHolder;
  /** The file to watch (normally the one the holder loads). */
  readonly path: string;
  /** Signal that triggers a reload; `false` for none. Default `SIGHUP`. */
  readonly signal?: NodeJS.Signals | false;
  /** `fs` (fs.watch on the directory, catches atomic renames), `poll` (fs.watchFile), or `false`. Default `fs`. */
  readonly watch?: 'fs' | 'poll' | false;
  /** Quiet period before a change triggers a reload. Default 250 ms. */
  readonly debounceMs?: number;
  /** For `poll`. Default 2,000 ms. */
  readonly pollIntervalMs?: number;
  /** Called after each successful reload. */
  readonly onReload?: (report: TrustAnchorReport) => void;
  /** Called when a reload fails (the old anchors stay in force). */
  readonly onError?: (error: unknown) => void;
}

/**
 * Reloads `holder` on the signal and on changes to `path`, debounced. Returns a disposer that
 * removes the listener, closes the watcher and cancels a pending reload.
 */
export function watchTrustAnchors(options: WatchTrustAnchorsOptions): () => void {
  const { holder } = options;
  const file = resolve(options.path);
  const debounceMs = options.debounceMs ?? 250;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;

  const reload = (): void => {
    if (disposed) return;
    holder.reload().then(
      (report) => {
        if (!disposed) options.onReload?.(report);
      },
      (error: unknown) => {
        if (!disposed) options.onError?.(error);
      },
    );
  };
  const schedule = (): void => {
    if (disposed) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      reload();
    }, debounceMs);
  };

  const signal = options.signal ?? 'SIGHUP';
  if (signal !== false) process.on(signal, reload);

  let watcher: FSWatcher | undefined;
  const mode = options.watch ?? 'fs';
  if (mode === 'fs') {
    // Watch the directory: editors and config managers replace files by rename, which a watch
    // on the file's inode would miss.
    const name = basename(file);
    watcher = watch(dirname(file), { persistent: false }, (_event, changed) => {
      if (changed === null || changed.toString() === name) schedule();
    });
    watcher.on('error', (error) => options.onError?.(error));
  } else if (mode === 'poll') {
    watchFile(file, { interval: options.pollIntervalMs ?? 2000, persistent: false }, schedule);
  }

  return () => {
    if (disposed) return;
    disposed = true;
    if (timer !== undefined) clearTimeout(timer);
    if (signal !== false) process.off(signal, reload);
    watcher?.close();
    if (mode === 'poll') unwatchFile(file, schedule);
  };
}
