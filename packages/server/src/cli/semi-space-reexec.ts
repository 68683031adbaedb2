/**
 * The young generation toolshim runs with: at most this many MB per semi-space (V8's `--max-semi-space-size`).
 * Node 24 lets it grow to 64 MB per semi-space (128 MB of young generation) on a machine with a few GB of memory, and
 * a gateway holding hundreds of streams reaches that and keeps it: most of the RSS each held stream seemed to cost
 * was that growth, not data. Measured with `pnpm bench` (apps/docs/scaling.md): 16 MB keeps the CPU per streamed
 * chunk within the bench's noise and cuts the RSS per held stream by more than half.
 */
export const DEFAULT_SEMI_SPACE_MB = 16;

/** Where the user can choose another size, or `node` for V8's own default. */
export const SEMI_SPACE_VARIABLE = "TOOLSHIM_SEMI_SPACE_MB";

export interface NodeLaunch {
  execPath: string;
  /** Node's own flags (process.execArgv) and the script with its arguments (process.argv.slice(1)). */
  execArgv: readonly string[];
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  /** process.execve, absent on Windows and before Node 22.15. */
  execve: ((file: string, args: string[], env: Record<string, string | undefined>) => never) | undefined;
}

const SEMI_SPACE_FLAG = /--(max|min)[-_]semi[-_]space[-_]size/;

/**
 * The arguments to start Node again with (the same process: `execve` replaces it, same pid, nothing left behind), or
 * undefined to go on as it is: the user chose a young-generation size already (a flag, NODE_OPTIONS or the
 * variable), or the platform cannot replace a process. V8 reads the size only when its heap is created, so a flag set
 * from inside the process (`v8.setFlagsFromString`) would have no effect; measured, it does not.
 */
export function semiSpaceArgs(launch: Omit<NodeLaunch, "execve">): string[] | undefined {
  const chosen = launch.env[SEMI_SPACE_VARIABLE]?.trim();
  if (chosen === "node") return undefined;
  if (launch.execArgv.some((flag) => SEMI_SPACE_FLAG.test(flag)) || SEMI_SPACE_FLAG.test(launch.env.NODE_OPTIONS ?? "")) return undefined;
  const size = chosen ? Number(chosen) : DEFAULT_SEMI_SPACE_MB;
  if (!Number.isInteger(size) || size < 1) {
    throw new Error(`${SEMI_SPACE_VARIABLE} must be a whole number of MB (such as 16) or "node" for V8's default, not "${chosen}".`);
  }
  return [launch.execPath, `--max-semi-space-size=${size}`, ...launch.execArgv, ...launch.argv];
}

/** Replaces this process with one started with toolshim's young-generation size, when `semiSpaceArgs` says so. */
export function reexecWithSemiSpace(launch: NodeLaunch): void {
  const args = semiSpaceArgs(launch);
  if (args && launch.execve) launch.execve(launch.execPath, args, { ...launch.env });
}
