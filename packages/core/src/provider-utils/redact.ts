const REDACTED = "[redacted]";

/**
 * A token or password. Its value lives in a private field and every way of printing the object (JSON, string
 * conversion, Node's inspect, pino serialisation) shows `[redacted]`, so a credential cannot reach a log by accident;
 * the one way out is `reveal()`, called only where a request is built.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  /** True when `text` contains the secret (used to scrub upstream messages that echo it). */
  occursIn(text: string): boolean {
    return this.#value !== "" && text.includes(this.#value);
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return REDACTED;
  }
}

/**
 * `text` with every occurrence of each secret replaced by `[redacted]`, for upstream messages that echo a key or
 * token back. Longer secrets go first so one that contains another is not left half visible.
 */
export function redactSecrets(text: string, secrets: Iterable<string | Secret | undefined>): string {
  const values = [...secrets]
    .map((secret) => (secret instanceof Secret ? secret.reveal() : secret))
    .filter((value): value is string => typeof value === "string" && value !== "")
    .sort((a, b) => b.length - a.length);
  let out = text;
  for (const value of values) if (out.includes(value)) out = out.split(value).join(REDACTED);
  return out;
}
