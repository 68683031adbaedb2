import type { RequestTrace } from "../console/request-trace.js";
import type { RequestLog } from "../logging/request-log.js";

/** Per-request values the middlewares put on hono's context. */
export interface ServerEnv {
  Variables: {
    requestId: string;
    requestLog: RequestLog;
    /** Set only when the console is on (see console/trace-capture.ts). */
    trace?: RequestTrace;
  };
}
