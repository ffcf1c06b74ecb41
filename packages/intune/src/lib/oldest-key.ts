/**
 * The oldest key of a Map, through one iterator kept from call to call. A fresh `keys()` starts at
 * the table's first slot and steps over every entry deleted since V8 last rebuilt the table, so
 * evicting one key per insert cost more the larger the table (server-core's `OldestFirst`, whose
 * local twin this is, has the figures). Unlike `OldestFirst` the key can be looked at and left in
 * place, as a sweep that stops at the first live key needs.
 *
 * Why the kept iterator stays right: it yields keys in table order, and a key moved (deleted and
 * set again) or inserted lands after everything it has passed. So as long as every key it has
 * yielded is deleted before it is asked again, what it yields next is the oldest key left. Every
 * delete of the map's keys must therefore come through `delete` here, which forgets the key being
 * looked at once it is gone. Call `reset()` on an insert that removes nothing (and after clearing
 * the map): an iterator left standing keeps the tables V8 has rebuilt since, and what they held.
 */
export class OldestKey {
  readonly #map: Map<string, unknown>;
  #it: Iterator<string> | undefined;
  /** Whether `#head`, the key `peek` returned, is still in the map (and so still its first key). */
  #peeked = false;
  #head: string | undefined;

  constructor(map: Map<string, unknown>) {
    this.#map = map;
  }

  /** The oldest key, left in the map; undefined when the map is empty. */
  peek(): string | undefined {
    if (this.#peeked) return this.#head;
    let r = (this.#it ??= this.#map.keys()).next();
    // A finished iterator stays finished, even after new inserts.
    if (r.done === true) r = (this.#it = this.#map.keys()).next();
    if (r.done === true) {
      this.#it = undefined;
      return undefined;
    }
    this.#peeked = true;
    this.#head = r.value;
    return r.value;
  }

  /** Deletes `key` from the map. */
  delete(key: string): boolean {
    if (this.#peeked && this.#head === key) {
      this.#peeked = false;
      this.#head = undefined;
    }
    return this.#map.delete(key);
  }

  reset(): void {
    this.#it = undefined;
    this.#peeked = false;
    this.#head = undefined;
  }
}
