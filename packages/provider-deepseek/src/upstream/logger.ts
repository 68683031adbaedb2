/** The slice of a pino logger the provider uses; pino's `Logger` fits it as is. */
export interface DeepSeekLogger {
  debug(details: object, message?: string): void;
  info(details: object, message?: string): void;
  warn(details: object, message?: string): void;
  error(details: object, message?: string): void;
}

const ignore = (): void => {};

export const silentLogger: DeepSeekLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
