// What the bench reads about a process from /proc (Linux): CPU time, split by thread, and resident memory.
import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU seconds a process has used so far, all threads (V8's GC helpers included): nanoseconds from
 * /proc/<pid>/task/<tid>/schedstat, or clock ticks from /proc/<pid>/stat where schedstat is missing. Undefined off
 * Linux.
 */
export function cpuSeconds(pid) {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    return ns / 1e9;
  } catch {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
      return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 Hz on Linux)
    } catch {
      return undefined;
    }
  }
}
/** CPU seconds of a process's main thread and of its other threads (V8's GC helpers, libuv's pool); off Linux {}. */
export function cpuByThread(pid) {
  try {
    const split = { main: 0, others: 0 };
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      split[tid === String(pid) ? "main" : "others"] += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]) / 1e9;
    }
    return split;
  } catch {
    return {};
  }
}

/** Resident set size of a process in KB, from /proc; undefined off Linux. */
export function rssKB(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]);
  } catch {
    return undefined;
  }
}
