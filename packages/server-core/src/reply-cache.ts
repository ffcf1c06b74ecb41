/**
 * Retransmissions: a client that lost a SUCCESS reply resends the same bytes (same transactionID,
 * same senderNonce). Answering from the first reply keeps one certificate per transaction and keeps
 * one-time challenges (and Intune nonces) from refusing the device's own retry. Only SUCCESS
 * replies are kept; the reply is encrypted to the requester, so handing it out again leaks nothing.
 */
import { BoundedMap } from './bounded-map.js';

export interface ReplyCache {
  get(key: string, now: Date): Promise<Uint8Array | undefined>;
  put(key: string, reply: Uint8Array, expiresAt: Date): Promise<void>;
}

/** In memory, bounded (oldest first out), entries expire. */
export class InMemoryReplyCache implements ReplyCache {
  readonly #entries: BoundedMap<{ reply: Uint8Array; expiresAt: number }>;
  readonly maxEntries: number;
  /** Bytes of replies kept at most (default 64 MiB): a reply's size is the requester's choice (its SANs). */
  readonly maxBytes: number;
  constructor(options: { readonly maxEntries?: number; readonly maxBytes?: number } = {}) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.#entries = new BoundedMap(this.maxEntries, this.maxBytes);
  }
  /** Bytes of replies held now. */
  get bytes(): number {
    return this.#entries.bytes;
  }
  get size(): number {
    return this.#entries.size;
  }
  async get(key: string, now: Date): Promise<Uint8Array | undefined> {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= now.getTime()) {
      this.#entries.delete(key);
      return undefined;
    }
    return e.reply;
  }
  /**
   * The keys of the live entries, oldest first, with when each expires (ms since the epoch): for a
   * process that mirrors which requests are cached without holding the replies.
   */
  liveKeys(now: Date): [string, number][] {
    const t = now.getTime();
    const out: [string, number][] = [];
    for (const [k, e] of this.#entries.entries()) if (e.expiresAt > t) out.push([k, e.expiresAt]);
    return out;
  }
  async put(key: string, reply: Uint8Array, expiresAt: Date): Promise<void> {
    this.#entries.delete(key);
    if (reply.byteLength > this.maxBytes) return; // never kept: a retransmission is answered anew
    this.#entries.set(key, { reply, expiresAt: expiresAt.getTime() }, reply.byteLength);
  }
}
