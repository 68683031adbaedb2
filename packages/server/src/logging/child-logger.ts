import pino, { type Logger } from "pino";

type LogFormatter = (object: Record<string, unknown>) => Record<string, unknown>;

/**
 * `logger.child(bindings)`, except that a line whose own fields repeat a binding with the same value (a provider
 * package naming itself, `provider: "local"`, under a child bound to that provider) writes the key once: pino would
 * write it twice, which is not valid JSON for many log tools. The parent's own field formatter (the secret scrubber)
 * still runs on every line.
 */
export function childLogger(logger: Logger, bindings: Record<string, string | number | boolean>): Logger {
  const formatters = (logger as unknown as Record<symbol, { log?: LogFormatter } | undefined>)[pino.symbols.formattersSym];
  const parentLog: LogFormatter = formatters?.log ?? ((object) => object);
  const log = (object: object): object => {
    let fields = object as Record<string, unknown>;
    for (const [key, value] of Object.entries(bindings)) {
      if (fields[key] === value) {
        const { [key]: _repeated, ...rest } = fields;
        fields = rest;
      }
    }
    return parentLog(fields);
  };
  return logger.child(bindings, { formatters: { log } });
}
