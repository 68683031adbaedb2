#!/usr/bin/env node
// The `toolshim` command. It checks the Node.js version before loading anything else, so an old Node gets one clear
// sentence instead of a stack trace from a missing built-in; keep this file free of imports that an old Node lacks.
import { nodeVersionProblem } from "./cli/check-node-version.js";

const problem = nodeVersionProblem(process.versions.node);
if (problem) {
  console.error(problem);
  process.exitCode = 1;
} else {
  // First, before the server allocates anything: the process may be replaced by one with a smaller young generation.
  const { reexecWithSemiSpace } = await import("./cli/semi-space-reexec.js");
  try {
    reexecWithSemiSpace({ execPath: process.execPath, execArgv: process.execArgv, argv: process.argv.slice(1), env: process.env, execve: process.execve });
  } catch (error) {
    console.error(`toolshim: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
  const { runCli } = await import("./cli/run-cli.js");
  await runCli(process.argv.slice(2));
}
