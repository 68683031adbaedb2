import { describe, expect, it } from "vitest";
import { PARTIAL, ScanInput } from "./scan-input.js";
import { TriggerTable } from "./triggers.js";

const anywhere = { boundary: true, lineStart: true, quoted: false };

function findIn(table: TriggerTable, text: string, final = false) {
  const input = new ScanInput();
  input.append(text);
  input.final = final;
  return table.find(input, 0, anywhere);
}

describe("TriggerTable", () => {
  it("shares the nonce-free triggers between requests and keeps each nonce to its own table", () => {
    const a = new TriggerTable("aaaa1111");
    const b = new TriggerTable("bbbb2222");
    expect(a.markers).toBe(b.markers);
    const own = findIn(a, "<call:aaaa1111>{");
    expect(own !== PARTIAL && own?.literal).toBe("<call:aaaa1111>");
    // Another request's marker is only the quote tag that every table knows.
    const other = findIn(a, "<call:bbbb2222>{");
    expect(other !== PARTIAL && other?.action.type).toBe("quote");
    const closer = findIn(b, "</call:bbbb2222> after");
    expect(closer !== PARTIAL && closer?.action.type).toBe("silent");
  });

  it("holds back a prefix of the nonce's marker until it is decided, and lets it go at the end of the text", () => {
    const table = new TriggerTable("cccc3333");
    expect(findIn(table, "<call:cccc")).toBe(PARTIAL);
    const quote = findIn(table, "<call:cccc", true);
    expect(quote !== PARTIAL && quote?.action.type).toBe("quote");
  });

  it("keeps foreign formats out of a table built without them, whatever was built before", () => {
    const withForeign = new TriggerTable("dddd4444", true);
    const without = new TriggerTable("eeee5555", false);
    const hermes = findIn(withForeign, "<tool_call>{");
    expect(hermes !== PARTIAL && hermes?.call).toBe(true);
    const plain = findIn(without, "<tool_call>{");
    expect(plain === null || (plain !== PARTIAL && !plain.call)).toBe(true);
  });
});
