import type { Logger } from "pino";

/**
 * The one log line of a request. Routes add fields as they learn them (model, provider, stats); the line is written
 * when the response is complete — for a stream, when its last byte is sent or the client goes away.
 */
export class RequestLog {
  readonly fields: Record<string, unknown> = {};
  /** Set by a route that streams: the middleware then leaves writing the line to the stream's end. */
  deferred = false;
  private readonly startedAt = performance.now();
  private written = false;
  private readonly finished: ((fields: Record<string, unknown>) => void)[] = [];

  constructor(
    private readonly logger: Logger,
    requestId: string,
    method: string,
    path: string,
  ) {
    Object.assign(this.fields, { requestId, method, path });
  }

  set(fields: Record<string, unknown>): void {
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) this.fields[key] = value;
  }

  /** Milliseconds since the request arrived. */
  elapsed(): number {
    return Math.round(performance.now() - this.startedAt);
  }

  /** Marks the first byte of the response body (time to first byte for streams). */
  firstByte(): void {
    if (this.fields.ttfbMs === undefined) this.fields.ttfbMs = this.elapsed();
  }

  write(fields: Record<string, unknown> = {}): void {
    if (this.written) return;
    this.written = true;
    this.set(fields);
    this.fields.durationMs = this.elapsed();
    if (this.fields.shutdown === true) this.noteShutdown();
    const status = typeof this.fields.status === "number" ? this.fields.status : 0;
    const level = this.fields.error !== undefined ? (status >= 500 || status === 0 ? "error" : "warn") : "info";
    this.logger[level](this.fields, "request");
    for (const callback of this.finished.splice(0)) callback(this.fields);
  }

  /** Runs `callback` with the line's fields once the request is complete (a stream: its last byte or the client left). */
  onFinish(callback: (fields: Record<string, unknown>) => void): void {
    if (this.written) callback(this.fields);
    else this.finished.push(callback);
  }

  /** A shutdown ended the request: record what the client saw, a stream's error event or an error status. */
  private noteShutdown(): void {
    this.fields.errorCode ??= "server_shutting_down";
    const status = this.fields.status;
    this.fields.clientSaw =
      status === 200
        ? this.fields.clientAborted === true
          ? "a stream it had already left"
          : "a 200 stream that ended with a server_shutting_down error event"
        : `HTTP ${String(status)} server_shutting_down`;
  }
}
