const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/** Where a record scan stands between two pieces of input. */
export interface ScanState {
  inQuotes: boolean;
  /** True once the record being scanned has a byte other than CR. */
  hasContent: boolean;
  /** Newlines seen so far, inside quotes or not. */
  newlines: number;
  /** Line (1-based) the record being scanned starts on. */
  recordLine: number;
}

/** A fresh scan at line 1. */
export function newScanState(): ScanState {
  return { inQuotes: false, hasContent: false, newlines: 0, recordLine: 1 };
}

/**
 * Calls `onRecordEnd(end, line, empty, nextLine)` for each newline outside quotes in `buf`:
 * `end` is the offset just after it, `line` the line the record started on, `empty` true for
 * a blank line and `nextLine` the line the next record starts on. Quotes toggle the state, so an escaped `""` leaves it unchanged and a newline inside a
 * quoted field never ends a record; that is how a CSV file can be cut on record boundaries
 * without parsing it.
 */
export function scanRecords(
  buf: Uint8Array,
  state: ScanState,
  onRecordEnd: (end: number, line: number, empty: boolean, nextLine: number) => void,
): void {
  let { inQuotes, hasContent, newlines, recordLine } = state;
  for (let i = 0; i < buf.length; i++) {
    const byte = buf[i];
    if (byte === LF) {
      newlines++;
      if (!inQuotes) {
        onRecordEnd(i + 1, recordLine, !hasContent, newlines + 1);
        hasContent = false;
        recordLine = newlines + 1;
      }
    } else if (byte === QUOTE) {
      inQuotes = !inQuotes;
      hasContent = true;
    } else if (byte !== CR) {
      hasContent = true;
    }
  }
  state.inQuotes = inQuotes;
  state.hasContent = hasContent;
  state.newlines = newlines;
  state.recordLine = recordLine;
}

/** One record of a buffer: byte range (newline excluded) and the line it starts on. */
export interface RecordSpan {
  readonly start: number;
  readonly end: number;
  readonly line: number;
}

/** The non-blank records of a buffer that starts on a record boundary at line `firstLine`. */
export function recordSpans(buf: Uint8Array, firstLine: number): RecordSpan[] {
  const spans: RecordSpan[] = [];
  const state = newScanState();
  state.recordLine = firstLine;
  state.newlines = firstLine - 1;
  let start = 0;
  scanRecords(buf, state, (end, line, empty) => {
    if (!empty) spans.push({ start, end: trimNewline(buf, start, end), line });
    start = end;
  });
  if (state.hasContent) spans.push({ start, end: trimNewline(buf, start, buf.length), line: state.recordLine });
  return spans;
}

function trimNewline(buf: Uint8Array, start: number, end: number): number {
  let e = end;
  if (e > start && buf[e - 1] === LF) e--;
  if (e > start && buf[e - 1] === CR) e--;
  return e;
}
