/** A config file toolshim cannot run with. `problems` are one line each: `key.path: what is wrong and what to write`. */
export class ConfigError extends Error {
  readonly problems: string[];

  constructor(source: string, problems: string[]) {
    super(`${source} is not a valid toolshim config:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}
