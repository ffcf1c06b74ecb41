/** Transactions waiting for approval (PENDING, RFC 8894 §3.3.2) until the client polls them out. */
import { equalBytes } from '@scep/wire';
import { BoundedMap } from './bounded-map.js';
import type { ChallengeInfo, EnrollmentKind, IssueResult } from './types.js';

export interface PendingEntry {
  readonly profile: string;
  readonly transactionId: string;
  readonly kind: EnrollmentKind;
  readonly messageType: 'PKCSReq' | 'RenewalReq';
  /** The CSR (DER). */
  readonly csr: Uint8Array;
  /** The certificate being renewed (DER), for kind 'renew'. */
  readonly previous: Uint8Array | undefined;
  readonly challenge: ChallengeInfo | undefined;
  /** SubjectPublicKeyInfo (DER) of the request's signer: only that key may poll the result out. */
  readonly signerKey: Uint8Array;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  /** Set once decided (approved and issued, or rejected); the next CertPoll delivers it. */
  readonly result: Exclude<IssueResult, { status: 'pending' }> | undefined;
}

export interface PendingStore {
  /**
   * Stores the entry, replacing one of the same requester (same `signerKey`). Answers false and
   * changes nothing when another requester's unexpired entry holds this transactionID: the
   * transactionID is sent in the clear, and replacing would hand the approval of one device's
   * request to whoever reused its transactionID. (A `void` answer is taken as stored.)
   */
  put(entry: PendingEntry, now?: Date): Promise<boolean | void>;
  get(profile: string, transactionId: string, now: Date): Promise<PendingEntry | undefined>;
  /** Records the decision; false if there is no such (unexpired) entry. */
  resolve(profile: string, transactionId: string, result: Exclude<IssueResult, { status: 'pending' }>, now: Date): Promise<boolean>;
  delete(profile: string, transactionId: string): Promise<void>;
  list(profile: string | undefined, now: Date): Promise<PendingEntry[]>;
}

/** In-memory PendingStore: bounded, entries expire (default 7 days). */
export class InMemoryPendingStore implements PendingStore {
  readonly #entries: BoundedMap<PendingEntry>;
  readonly maxEntries: number;
  /** Bytes of CSRs and renewed certificates kept at most (default 64 MiB): their size is the requester's choice. */
  readonly maxBytes: number;
  constructor(options: { readonly maxEntries?: number; readonly maxBytes?: number } = {}) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.#entries = new BoundedMap(this.maxEntries, this.maxBytes);
  }
  private static key(profile: string, tx: string): string {
    return `${profile}\u0000${tx}`;
  }
  private static sizeOf(e: PendingEntry): number {
    return e.csr.byteLength + (e.previous?.byteLength ?? 0);
  }
  get size(): number {
    return this.#entries.size;
  }
  /** Bytes held now (CSRs and renewed certificates). */
  get bytes(): number {
    return this.#entries.bytes;
  }
  async put(entry: PendingEntry, now: Date = entry.createdAt): Promise<boolean> {
    const k = InMemoryPendingStore.key(entry.profile, entry.transactionId);
    const held = this.#entries.get(k);
    if (held && held.expiresAt.getTime() > now.getTime() && !equalBytes(held.signerKey, entry.signerKey)) return false;
    const size = InMemoryPendingStore.sizeOf(entry);
    // Checked before anything is dropped: a request too large to keep leaves the store as it was.
    if (size > this.maxBytes) throw new RangeError(`a pending entry of ${size} bytes exceeds maxBytes (${this.maxBytes})`);
    this.#entries.set(k, entry, size);
    return true;
  }
  async get(profile: string, tx: string, now: Date): Promise<PendingEntry | undefined> {
    const k = InMemoryPendingStore.key(profile, tx);
    const e = this.#entries.get(k);
    if (e && e.expiresAt.getTime() <= now.getTime()) {
      this.#entries.delete(k);
      return undefined;
    }
    return e;
  }
  async resolve(profile: string, tx: string, result: Exclude<IssueResult, { status: 'pending' }>, now: Date): Promise<boolean> {
    const e = await this.get(profile, tx, now);
    if (!e) return false;
    this.#entries.set(InMemoryPendingStore.key(profile, tx), { ...e, result }, InMemoryPendingStore.sizeOf(e));
    return true;
  }
  async delete(profile: string, tx: string): Promise<void> {
    this.#entries.delete(InMemoryPendingStore.key(profile, tx));
  }
  async list(profile: string | undefined, now: Date): Promise<PendingEntry[]> {
    const out: PendingEntry[] = [];
    for (const [, e] of this.#entries.entries()) if ((profile === undefined || e.profile === profile) && e.expiresAt.getTime() > now.getTime()) out.push(e);
    return out;
  }
}
