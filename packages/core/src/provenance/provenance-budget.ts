/** The default process-wide budget for provenance indexes: 256 MB. */
export const DEFAULT_PROVENANCE_BUDGET_BYTES = 256 * 1024 * 1024;

/**
 * Memory shared by the provenance indexes of all requests in flight. An index reserves what its build can take
 * before building, keeps what the built index holds, and gives it all back when its request ends. A request whose
 * index does not fit is scanned without foreign formats (only the nonce marker makes calls), never without a check.
 */
export class ProvenanceBudget {
  #used = 0;
  #peak = 0;

  constructor(readonly bytes: number = DEFAULT_PROVENANCE_BUDGET_BYTES) {
    if (!(bytes >= 0)) throw new RangeError(`A provenance budget is a number of bytes ≥ 0, not ${bytes}.`);
  }

  /** Bytes reserved now by indexes in flight. */
  get used(): number {
    return this.#used;
  }

  /** The most ever reserved at once. */
  get peak(): number {
    return this.#peak;
  }

  /** Takes `bytes` if that many are left; false (and nothing taken) otherwise. */
  reserve(bytes: number): boolean {
    if (this.#used + bytes > this.bytes) return false;
    this.#used += bytes;
    if (this.#used > this.#peak) this.#peak = this.#used;
    return true;
  }

  release(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes);
  }
}

/** The budget every index draws on unless its caller passes another (the server passes its configured one). */
export const defaultProvenanceBudget = new ProvenanceBudget();
