/**
 * A worker's IpcClient wired to the primary's SharedState in this process, through ports that
 * clone each message and deliver it on a later turn, as the cluster's IPC channel does.
 */
import { EventEmitter } from 'node:events';
import { IpcClient, type PrimaryPort, type SharedState, type WorkerPort } from '../src/cluster.js';

export interface LinkedWorker {
  readonly client: IpcClient;
  /** What the primary holds of this worker. */
  readonly port: WorkerPort;
  /** Messages this worker sent to the primary: their type, or `rpc target.method`. */
  readonly sent: string[];
  disconnect(): void;
  /** The worker stops answering (a stuck event loop), but stays connected. */
  mute(): void;
}

export function linkWorker(shared: SharedState, o: { readonly workers?: number; readonly batchMs?: number } = {}): LinkedWorker {
  const toWorker = new EventEmitter();
  const toPrimary = new EventEmitter();
  let connected = true;
  let muted = false;
  const sent: string[] = [];
  const later = (e: EventEmitter, m: unknown) => setImmediate(() => e.emit('message', structuredClone(m)));
  const port: WorkerPort = { on: (_e, l) => toPrimary.on('message', l), send: (m) => connected && later(toWorker, m), isConnected: () => connected };
  const primarySide: PrimaryPort = {
    on: (_e, l) => toWorker.on('message', l),
    send: (m) => {
      const msg = m as { t: string; target?: string; method?: string };
      sent.push(msg.t === 'scep-rpc' ? `rpc ${msg.target}.${msg.method}` : msg.t);
      if (connected && !muted) later(toPrimary, m);
    },
  };
  shared.attach(port);
  const client = new IpcClient({ workers: o.workers ?? 2, port: primarySide, ...(o.batchMs === undefined ? {} : { batchMs: o.batchMs }) });
  return { client, port, sent, disconnect: () => (connected = false), mute: () => (muted = true) };
}
