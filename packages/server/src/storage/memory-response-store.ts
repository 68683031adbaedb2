import type { ResponseItem } from "@toolshim/core";
import { itemsWithIds, type ResponseStore, type RetentionLimits, type StoredResponse, walkChain } from "./response-store.js";

interface Entry {
  json: string;
  storedAt: number;
  bytes: number;
  itemIds: string[];
}

/**
 * Responses in this process's memory, gone on restart: for tests and for servers that want no disk. Records are kept
 * as JSON text, so callers can never change a stored response by mutating an object they got back.
 */
export function createMemoryResponseStore(limits: RetentionLimits, now: () => number = Date.now): ResponseStore {
  // Insertion order is storage order: the first entry is always the oldest.
  const entries = new Map<string, Entry>();
  const items = new Map<string, { responseId: string; json: string }>();
  let totalBytes = 0;

  const remove = (id: string): boolean => {
    const entry = entries.get(id);
    if (!entry) return false;
    entries.delete(id);
    totalBytes -= entry.bytes;
    for (const itemId of entry.itemIds) if (items.get(itemId)?.responseId === id) items.delete(itemId);
    return true;
  };
  const expired = (entry: Entry) => entry.storedAt < now() - limits.maxAgeMs;
  const evict = () => {
    for (const [id, entry] of entries) {
      if (!expired(entry) && entries.size <= limits.maxResponses && totalBytes <= limits.maxBytes) break;
      remove(id);
    }
  };

  return {
    async put(record: StoredResponse) {
      const id = record.response.id;
      remove(id);
      const json = JSON.stringify(record);
      const withIds = itemsWithIds(record);
      const entry: Entry = { json, storedAt: now(), bytes: Buffer.byteLength(json), itemIds: withIds.map((item) => item.id) };
      entries.set(id, entry);
      totalBytes += entry.bytes;
      // An id already stored keeps its first item: a client re-sending our output item must not shadow it.
      for (const { id: itemId, item } of withIds) if (!items.has(itemId)) items.set(itemId, { responseId: id, json: JSON.stringify(item) });
      evict();
    },
    async get(id) {
      const entry = entries.get(id);
      return entry && !expired(entry) ? (JSON.parse(entry.json) as StoredResponse) : undefined;
    },
    async getItem(id) {
      const found = items.get(id);
      const owner = found && entries.get(found.responseId);
      return found && owner && !expired(owner) ? (JSON.parse(found.json) as ResponseItem) : undefined;
    },
    async delete(id) {
      return remove(id);
    },
    chain(id) {
      return walkChain(id, (next) => this.get(next));
    },
    async close() {
      entries.clear();
      items.clear();
      totalBytes = 0;
    },
  };
}
