import type { Clock } from "@toolshim/core/provider-utils";

/** Time moves only when the test says so. */
export class FakeClock implements Clock {
  time = 1_000_000;
  #timers = new Map<number, { at: number; callback: () => void }>();
  #next = 1;

  now = () => this.time;
  setTimeout = (callback: () => void, ms: number) => {
    const id = this.#next++;
    this.#timers.set(id, { at: this.time + ms, callback });
    return id;
  };
  clearTimeout = (handle: unknown) => {
    this.#timers.delete(handle as number);
  };

  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    for (;;) {
      const due = [...this.#timers.entries()].filter(([, timer]) => timer.at <= target).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.time = due[1].at;
      due[1].callback();
      await Promise.resolve();
    }
    this.time = target;
    await Promise.resolve();
  }

  get pending(): number {
    return this.#timers.size;
  }
}
