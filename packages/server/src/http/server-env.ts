import type { RequestLog } from "../logging/request-log.js";

/** Per-request values the middlewares put on hono's context. */
export interface ServerEnv {
  Variables: {
    requestId: string;
    requestLog: RequestLog;
  };
}
