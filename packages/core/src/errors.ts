/** OpenAI's error body, the shape every Chat Completions client understands. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface ToolshimErrorOptions {
  status: number;
  type?: string;
  param?: string | null;
  code?: string | null;
  cause?: unknown;
}

/** Every error toolshim raises on purpose: it knows its HTTP status and how to show itself to a client. */
export class ToolshimError extends Error {
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly code: string | null;

  constructor(message: string, options: ToolshimErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ToolshimError";
    this.status = options.status;
    this.type = options.type ?? (options.status >= 500 ? "server_error" : "invalid_request_error");
    this.param = options.param ?? null;
    this.code = options.code ?? null;
  }

  toOpenAI(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** A request the client must fix: 400 with the offending field in `param`. */
export class InvalidRequestError extends ToolshimError {
  constructor(message: string, param: string | null = null, code: string | null = "invalid_value") {
    super(message, { status: 400, type: "invalid_request_error", param, code });
    this.name = "InvalidRequestError";
  }
}

/** Any thrown value as a ToolshimError, hiding internals of unexpected failures. */
export function toToolshimError(error: unknown): ToolshimError {
  if (error instanceof ToolshimError) return error;
  return new ToolshimError("Internal error in toolshim.", { status: 500, type: "server_error", cause: error });
}
