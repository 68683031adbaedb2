// Helpers the core benches share: a seeded generator (the same text on every run), chunking and CPU timing.

/** Mulberry32: a small seeded generator, so generated text is the same on every run. */
export function seeded(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `text` in pieces of `size` characters, as a stream would deliver it. */
export function chunks(text, size) {
  const result = [];
  for (let i = 0; i < text.length; i += size) result.push(text.slice(i, i + size));
  return result;
}

/**
 * CPU time of this process in milliseconds. The machine is shared: wall-clock time would count the time other
 * processes hold the CPU, CPU time counts only the work done here (garbage collection included).
 */
export function cpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Prints one `label: value` result line. */
export const line = (label, value) => console.log(`${label}: ${value}`);

/** Pushes every piece through `scanner`, ends it, and returns how many calls it completed. */
export function scanCalls(scanner, pieces) {
  let calls = 0;
  for (const piece of pieces) for (const event of scanner.push(piece)) if (event.type === "call-end") calls++;
  for (const event of scanner.end()) if (event.type === "call-end") calls++;
  return calls;
}
