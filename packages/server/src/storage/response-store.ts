import type { ResponseItem, ResponseObject } from "@toolshim/core";

/** A Responses API answer as kept for `GET /v1/responses/{id}`, `previous_response_id` and `item_reference`. */
export interface StoredResponse {
  response: ResponseObject;
  /** The request's own input items, references resolved (the history before it stays with earlier responses). */
  input: ResponseItem[];
}

/** How much a store keeps; the oldest responses go first when a bound is reached. */
export interface RetentionLimits {
  /** Responses older than this are gone. */
  maxAgeMs: number;
  maxResponses: number;
  /** Bound on the stored JSON (response + input), in bytes. */
  maxBytes: number;
}

/**
 * Where Responses are kept. Small on purpose, so another backend (Redis, Postgres) is one file. Expired responses
 * behave as absent everywhere.
 */
export interface ResponseStore {
  /** Stores (or replaces) a response with its input and output items, then evicts beyond the limits. */
  put(record: StoredResponse): Promise<void>;
  get(id: string): Promise<StoredResponse | undefined>;
  /** An input or output item of any stored response, by the item's `id`. */
  getItem(id: string): Promise<ResponseItem | undefined>;
  /** True when something was deleted. */
  delete(id: string): Promise<boolean>;
  /**
   * The response and every response before it through `previous_response_id`, oldest first; undefined when it, or
   * any response it builds on, is not stored (a conversation with a hole would silently lose context).
   */
  chain(id: string): Promise<StoredResponse[] | undefined>;
  /** Throws (a 503) when a store on another machine cannot take a write now, so a request fails before upstream work. */
  ready?(): void;
  close(): Promise<void>;
}

/** The items a stored response contributes to a later request's conversation: its input, then its output. */
export function conversationItems(chain: StoredResponse[]): ResponseItem[] {
  return chain.flatMap((record) => [...record.input, ...record.response.output]);
}

/** Walks `previous_response_id` links back from `id` with `get`; shared by the stores. */
export async function walkChain(id: string, get: (id: string) => Promise<StoredResponse | undefined>): Promise<StoredResponse[] | undefined> {
  const chain: StoredResponse[] = [];
  const seen = new Set<string>();
  for (let next: string | null = id; next !== null; ) {
    // A cycle cannot come from this server (a response names an earlier one), but a store is not trusted to be sane.
    if (seen.has(next)) return undefined;
    seen.add(next);
    const record = await get(next);
    if (!record) return undefined;
    chain.push(record);
    next = record.response.previous_response_id;
  }
  return chain.reverse();
}

/** Item ids a response makes resolvable: its output items and the input items the client sent with ids. */
export function itemsWithIds(record: StoredResponse): { id: string; item: ResponseItem }[] {
  return [...record.response.output, ...record.input].flatMap((item) => (item.id ? [{ id: item.id, item }] : []));
}
