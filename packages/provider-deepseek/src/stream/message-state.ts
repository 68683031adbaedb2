import { isRecord, type PatchOperation } from "./patch-decoder.js";

type Container = Record<string, unknown> | unknown[];

/** What an applied operation touched: the container that holds the changed value and the value it replaced. */
export interface AppliedChange {
  /** `undefined` when the root itself was replaced. */
  parent?: Container;
  key?: string | number;
  op: string;
  previous: unknown;
  value: unknown;
}

/**
 * The message tree the patch stream builds, starting from `{}`. SET assigns (strings, numbers, objects and arrays
 * alike); APPEND concatenates strings and pushes onto arrays. Negative array indices count from the end at the moment
 * of the operation. Missing object keys are created on the way; an index outside its array (as happens when a frame was
 * lost) makes the operation a no-op rather than an error, so one bad frame cannot end a stream.
 */
export class MessageState {
  root: Record<string, unknown> = {};

  apply(operation: PatchOperation): AppliedChange | undefined {
    const { op, value } = operation;
    if (op !== "SET" && op !== "APPEND") return undefined;
    const segments = splitPath(operation.path);
    if (segments.length === 0) {
      if (op !== "SET" || !isRecord(value)) return undefined;
      const previous = this.root;
      this.root = value;
      return { op, previous, value };
    }
    let container: Container = this.root;
    for (let i = 0; i < segments.length - 1; i++) {
      const next: unknown = descend(container, segments[i] as string);
      if (!isContainer(next)) return undefined;
      container = next;
    }
    const last = segments[segments.length - 1] as string;
    const key = resolveKey(container, last);
    if (key === undefined) return undefined;
    const previous = (container as Record<string | number, unknown>)[key];
    let next: unknown;
    if (op === "SET") {
      next = value;
    } else if (typeof previous === "string") {
      if (typeof value !== "string") return undefined;
      next = previous + value;
    } else if (Array.isArray(previous)) {
      if (Array.isArray(value)) previous.push(...value);
      else previous.push(value);
      return { parent: container, key, op, previous, value };
    } else if (previous === undefined || previous === null) {
      next = value;
    } else {
      return undefined;
    }
    (container as Record<string | number, unknown>)[key] = next;
    return { parent: container, key, op, previous, value: next };
  }
}

// A stream repeats a handful of paths thousands of times; splitting each once keeps the per-frame cost down.
const splitCache = new Map<string, readonly string[]>();

function splitPath(path: string): readonly string[] {
  let segments = splitCache.get(path);
  if (!segments) {
    segments = path === "" ? [] : path.split("/");
    if (splitCache.size < 1024) splitCache.set(path, segments);
  }
  return segments;
}

function isContainer(value: unknown): value is Container {
  return typeof value === "object" && value !== null;
}

function resolveKey(container: Container, segment: string): string | number | undefined {
  if (!Array.isArray(container)) return segment;
  if (!/^-?\d+$/.test(segment)) return undefined;
  const raw = Number(segment);
  const index = raw < 0 ? container.length + raw : raw;
  // Writing one past the end is how a list grows by index; further out would leave holes.
  return index >= 0 && index <= container.length ? index : undefined;
}

/** The child at `segment`, creating a missing object key on the way (never an array slot). */
function descend(container: Container, segment: string): unknown {
  const key = resolveKey(container, segment);
  if (key === undefined) return undefined;
  const record = container as Record<string | number, unknown>;
  let value = record[key];
  if ((value === undefined || value === null) && !Array.isArray(container)) {
    value = {};
    record[key] = value;
  }
  return value;
}
