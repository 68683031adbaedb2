/**
 * What the parser tells a tracer (the server's console) besides its events: markup that looked like a call but stayed
 * text, and text it is holding back. Only produced when `ScanContext.onNote` is set. The "not-a-call" notes are the
 * same for every chunking of the same text; "held" notes describe one push, so they depend on the chunking.
 */
export type ParserNote =
  | {
      type: "not-a-call";
      reason: "undeclared-tool" | "inside-code" | "inside-reasoning";
      /** The markup, from its opener (for code and reasoning: the opener and what follows it, bounded). */
      text: string;
      detail?: string;
    }
  | {
      type: "held";
      /**
       * - marker-prefix: the end of the push could begin a marker;
       * - undecided-markup: markup whose reader has not yet decided whether it is a call;
       * - provenance: a call whose markup is still a verbatim copy of an input, held by the provenance gate.
       */
      reason: "marker-prefix" | "undecided-markup" | "provenance";
      text: string;
    };

export type NoteSink = (note: ParserNote) => void;
