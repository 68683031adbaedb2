import type { IncomingMessage, ServerResponse } from "node:http";
import type { DoubleScenario, LoggedRequest } from "./double-types.js";

/** `{"code":0,"msg":"","data":{"biz_code":0,"biz_msg":"","biz_data":…}}` (protocol reference §2.4). */
export function ok(bizData: unknown): unknown {
  return { code: 0, msg: "", data: { biz_code: 0, biz_msg: "", biz_data: bizData } };
}

/** A business error: `code` 0, the error in `data.biz_code` / `biz_msg`. */
export function bizError(bizCode: number, bizMsg: string, bizData: unknown = null): unknown {
  return { code: 0, msg: "", data: { biz_code: bizCode, biz_msg: bizMsg, biz_data: bizData } };
}

/** A transport/auth level error: non-zero `code`, `data: null`. */
export function codeError(code: number, msg: string): unknown {
  return { code, msg, data: null };
}

/** The envelope of a "json-error" scenario; without `bizCode` or `code` it is the invalid-token answer. */
export function scriptedError(scenario: Extract<DoubleScenario, { kind: "json-error" }>): unknown {
  if (scenario.bizCode !== undefined) return bizError(scenario.bizCode, scenario.bizMsg ?? "", scenario.bizData ?? null);
  return codeError(scenario.code ?? 40003, scenario.msg ?? "Authorization Failed (invalid token)");
}

export function sendJson(res: ServerResponse, entry: LoggedRequest, status: number, body: unknown): void {
  const envelope = body as { code?: unknown; msg?: unknown; data?: { biz_code?: unknown; biz_msg?: unknown } | null };
  entry.response = {
    status,
    kind: "json",
    ...(typeof envelope.code === "number" && { code: envelope.code }),
    ...(typeof envelope.msg === "string" && { msg: envelope.msg }),
    ...(typeof envelope.data?.biz_code === "number" && { bizCode: envelope.data.biz_code }),
    ...(typeof envelope.data?.biz_msg === "string" && { bizMsg: envelope.data.biz_msg }),
  };
  entry.outcome = "completed";
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** HTTP 422 with the missing field, as the server's request validation answers. */
export function sendMissingField(res: ServerResponse, entry: LoggedRequest, field: string): void {
  sendJson(res, entry, 422, { detail: [{ loc: `body.${field}` }] });
}

const WAF_CHALLENGE_PAGE =
  '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Human Verification</title></head><body>' +
  '<div id="challenge-container"></div><script>window.awsWafCookieDomainList = [];window.gokuProps = {};</script>' +
  "<noscript>JavaScript is required to verify that you are a human.</noscript></body></html>";
const WAF_BLOCK_PAGE = "<html><head><title>403 Forbidden</title></head><body><center><h1>403 Forbidden</h1></center></body></html>";

/** An AWS WAF answer (§2.2): 202 + challenge page, or 403 block page; both carry `x-amzn-waf-action`. */
export function sendWaf(res: ServerResponse, entry: LoggedRequest, status: 202 | 403): void {
  entry.response = { status, kind: "html" };
  entry.outcome = "completed";
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "x-amzn-waf-action": status === 202 ? "challenge" : "block" });
  res.end(status === 202 ? WAF_CHALLENGE_PAGE : WAF_BLOCK_PAGE);
}

export function drop(res: ServerResponse, entry: LoggedRequest): void {
  entry.response = { status: 0, kind: "dropped" };
  entry.outcome = "dropped";
  res.socket?.destroy();
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on("data", (part: Buffer) => parts.push(part));
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

export interface StreamWriteOptions {
  frameDelayMs: number;
  /** Destroy the connection before writing this event (0: before the headers). */
  dropBefore?: number;
  /** Awaited before the fourth event (after ready, update_session and the snapshot). */
  hold: () => Promise<void> | undefined;
  /** Checked between events; when true, `stopTail()` is written and the stream ends. */
  stopRequested: () => boolean;
  stopTail: () => string[];
}

/** Writes prepared SSE events one by one; resolves with how the stream ended. */
export async function writeStream(
  res: ServerResponse,
  entry: LoggedRequest,
  frames: string[],
  options: StreamWriteOptions,
): Promise<"completed" | "aborted" | "dropped" | "stopped"> {
  entry.response = { status: 200, kind: "sse" };
  entry.outcome = "pending";
  let clientGone = false;
  const gone = new Promise<void>((resolve) =>
    res.on("close", () => {
      if (!res.writableFinished) clientGone = true;
      resolve();
    }),
  );
  const finish = (outcome: "completed" | "aborted" | "dropped" | "stopped") => {
    entry.outcome = outcome === "stopped" ? "completed" : outcome;
    return outcome;
  };
  if (options.dropBefore === 0) {
    drop(res, entry);
    return "dropped";
  }
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
  for (let i = 0; i < frames.length; i++) {
    if (i === options.dropBefore) {
      // Let what was written reach the client first: the drop happens mid-stream, not before it.
      await new Promise<void>((resolve) => res.write("", () => resolve()));
      drop(res, entry);
      return finish("dropped");
    }
    if (i === 3) await Promise.race([options.hold(), gone]);
    if (options.frameDelayMs > 0 && i > 0) await new Promise((resolve) => setTimeout(resolve, options.frameDelayMs));
    if (clientGone || res.destroyed) return finish("aborted");
    if (options.stopRequested()) {
      for (const frame of options.stopTail()) res.write(frame);
      res.end();
      return finish("stopped");
    }
    if (!res.write(frames[i])) {
      await new Promise((resolve) => {
        res.once("drain", resolve);
        res.once("close", resolve);
      });
    }
  }
  if (clientGone || res.destroyed) return finish("aborted");
  await new Promise<void>((resolve) => res.end(resolve));
  return finish("completed");
}
