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
