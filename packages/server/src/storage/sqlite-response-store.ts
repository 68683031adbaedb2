import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { ResponseItem } from "@toolshim/core";
import { ToolshimError } from "@toolshim/core";
import { itemsWithIds, type ResponseStore, type RetentionLimits, type StoredResponse, walkChain } from "./response-store.js";

export const SQLITE_FILE = "responses.sqlite";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS responses (
    id TEXT PRIMARY KEY,
    stored_at INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    record TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS responses_by_age ON responses (stored_at);
  CREATE TABLE IF NOT EXISTS items (
    id TEXT PRIMARY KEY,
    response_id TEXT NOT NULL,
    item TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS items_by_response ON items (response_id);
`;

/**
 * Responses in a SQLite file (`<dir>/responses.sqlite`) through Node's built-in `node:sqlite`: no setup, survives
 * restarts. Every write is one transaction, so a crash loses at most the response being written.
 */
export function createSqliteResponseStore(dir: string, limits: RetentionLimits, now: () => number = Date.now): ResponseStore {
  mkdirSync(dir, { recursive: true });
  const db = new (loadSqlite().DatabaseSync)(join(dir, SQLITE_FILE));
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;");
  db.exec(SCHEMA);

  const statements = {
    insert: db.prepare("INSERT OR REPLACE INTO responses (id, stored_at, bytes, record) VALUES (?, ?, ?, ?)"),
    insertItem: db.prepare("INSERT OR IGNORE INTO items (id, response_id, item) VALUES (?, ?, ?)"),
    get: db.prepare("SELECT record FROM responses WHERE id = ? AND stored_at >= ?"),
    getItem: db.prepare("SELECT items.item FROM items JOIN responses ON responses.id = items.response_id WHERE items.id = ? AND responses.stored_at >= ?"),
    delete: db.prepare("DELETE FROM responses WHERE id = ?"),
    deleteItems: db.prepare("DELETE FROM items WHERE response_id = ?"),
    expire: db.prepare("DELETE FROM responses WHERE stored_at < ?"),
    orphanItems: db.prepare("DELETE FROM items WHERE response_id NOT IN (SELECT id FROM responses)"),
    totals: db.prepare("SELECT COUNT(*) AS count, COALESCE(SUM(bytes), 0) AS bytes FROM responses"),
    oldest: db.prepare("SELECT id, bytes FROM responses ORDER BY stored_at, rowid LIMIT ?"),
  };

  const transaction = <T>(work: () => T): T => {
    db.exec("BEGIN IMMEDIATE");
    try {
      const result = work();
      db.exec("COMMIT");
      return result;
    } catch (error) {
      db.exec("ROLLBACK");
      throw error;
    }
  };
  const remove = (id: string): boolean => {
    statements.deleteItems.run(id);
    return Number(statements.delete.run(id).changes) > 0;
  };
  const evict = () => {
    statements.expire.run(now() - limits.maxAgeMs);
    let { count, bytes } = statements.totals.get() as { count: number; bytes: number };
    const over = () => count > limits.maxResponses || bytes > limits.maxBytes;
    while (over()) {
      // The oldest in batches: one eviction after a put rarely needs more than one.
      const batch = statements.oldest.all(Math.max(count - limits.maxResponses, 16)) as { id: string; bytes: number }[];
      if (batch.length === 0) break;
      for (const row of batch) {
        if (!over()) break;
        remove(row.id);
        count--;
        bytes -= row.bytes;
      }
    }
    statements.orphanItems.run();
  };

  let closed = false;
  return {
    async put(record: StoredResponse) {
      const json = JSON.stringify(record);
      transaction(() => {
        const id = record.response.id;
        statements.deleteItems.run(id);
        statements.insert.run(id, now(), Buffer.byteLength(json), json);
        for (const { id: itemId, item } of itemsWithIds(record)) statements.insertItem.run(itemId, id, JSON.stringify(item));
        evict();
      });
    },
    async get(id) {
      const row = statements.get.get(id, now() - limits.maxAgeMs) as { record: string } | undefined;
      return row ? (JSON.parse(row.record) as StoredResponse) : undefined;
    },
    async getItem(id) {
      const row = statements.getItem.get(id, now() - limits.maxAgeMs) as { item: string } | undefined;
      return row ? (JSON.parse(row.item) as ResponseItem) : undefined;
    },
    async delete(id) {
      return transaction(() => remove(id));
    },
    chain(id) {
      return walkChain(id, (next) => this.get(next));
    },
    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}

/**
 * `node:sqlite` exists from Node 22.5 (unflagged from 22.13). It is loaded on demand so the rest of the server runs on
 * older Node, and its one-time "experimental" warning is kept out of the server's log.
 */
function loadSqlite(): typeof import("node:sqlite") {
  const require = createRequire(import.meta.url);
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (String(warning).includes("SQLite is an experimental feature")) return;
    return (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return require("node:sqlite") as typeof import("node:sqlite");
  } catch (error) {
    throw new ToolshimError(
      `Stored responses need SQLite from Node 22.5 or later (this is Node ${process.versions.node}); upgrade Node, ` +
        "or set storage.kind: memory in the config to keep responses in memory only.",
      { status: 500, type: "server_error", code: "storage_unavailable", cause: error },
    );
  } finally {
    process.emitWarning = emitWarning;
  }
}
