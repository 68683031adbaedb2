// Loaded into every proxy process of the gateway bench (`--require`), the pass-through and toolshim alike. On SIGUSR2
// it writes the process's heap figures to $BENCH_HEAP_PROBE_DIR/<pid>-<n>.json: V8's heap in use and the young
// generation's size as they are, then the heap in use after a full collection (what is really alive: the part of
// RSS that does not depend on when V8 last collected). Nothing runs until the signal.
const { writeFileSync } = require("node:fs");
const v8 = require("node:v8");
const vm = require("node:vm");

const dir = process.env.BENCH_HEAP_PROBE_DIR;
let sequence = 0;
if (dir) {
  process.on("SIGUSR2", () => {
    const youngBytes = () => v8.getHeapSpaceStatistics().find((space) => space.space_name === "new_space")?.space_size ?? 0;
    const before = { heapUsed: process.memoryUsage().heapUsed, young: youngBytes() };
    v8.setFlagsFromString("--expose-gc");
    vm.runInNewContext("gc")();
    const live = process.memoryUsage().heapUsed;
    writeFileSync(`${dir}/${process.pid}-${sequence++}.json`, JSON.stringify({ ...before, live }));
  });
}
