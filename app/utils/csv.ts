import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

// The one CSV library: csv-parse and csv-stringify (docs/decisions/011-hardening.md), never
// hand-written parsing.

/**
 * CSV that opens correctly in Excel and LibreOffice: UTF-8 with a byte-order mark (accents),
 * CRLF lines, every field quoted, and cells that a spreadsheet would run as a formula
 * (starting with = + - @, tab or carriage return) prefixed with an apostrophe.
 */
export function toCsv(rows: (string | number | null | undefined)[][]): string {
  return stringify(
    rows.map((row) => row.map(spreadsheetSafe)),
    { bom: true, quoted: true, quoted_empty: true, record_delimiter: 'windows' },
  );
}

function spreadsheetSafe(value: string | number | null | undefined): string {
  const text = value === null || value === undefined ? '' : String(value);
  return typeof value === 'string' && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

export function csvResponse(body: string, filename: string): Response {
  return new Response(body, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${filename}"`,
      'Cache-Control': 'private, no-store',
    },
  });
}

export class CsvSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

export interface CsvRecord {
  /** The line in the file where the record starts (1-based), counting blank lines and line breaks inside quotes. */
  line: number;
  cells: string[];
}

/** Parses CSV text into records with their real line numbers; a broken file throws CsvSyntaxError. */
export function parseCsvRecords(text: string): CsvRecord[] {
  // One line ending throughout (Excel on Windows writes CRLF, a paste may mix them).
  const input = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  try {
    const entries = parse(input, { info: true, raw: true, relax_column_count: true, skip_empty_lines: true }) as unknown as { record: string[]; info: { bytes: number }; raw: string }[];
    // Each record's raw text starts with any blank lines skipped before it; where it really starts
    // gives its line, counting blank lines and line breaks inside quoted cells.
    // csv-parse counts UTF-8 bytes, so lines are found by byte offset too.
    const bytes = Buffer.from(input, 'utf8');
    const lineStarts: number[] = [0];
    for (let i = 0; i < bytes.length; i += 1) if (bytes[i] === 0x0a) lineStarts.push(i + 1);
    let lineIndex = 0;
    return entries.map((entry) => {
      const skippedBlankLines = entry.raw.length - entry.raw.replace(/^\n+/, '').length;
      const start = entry.info.bytes - Buffer.byteLength(entry.raw, 'utf8') + skippedBlankLines;
      while (lineIndex + 1 < lineStarts.length && lineStarts[lineIndex + 1]! <= start) lineIndex += 1;
      return { line: lineIndex + 1, cells: entry.record };
    });
  } catch (error) {
    const cause = error as { code?: string; lines?: number; message?: string };
    if (cause.code === 'CSV_QUOTE_NOT_CLOSED') throw new CsvSyntaxError(`A quote opened on or before line ${cause.lines ?? '?'} is never closed, so the rest of the file cannot be read. Check that line for a stray " character.`, cause.lines ?? 0);
    if (typeof cause.code === 'string' && cause.code.startsWith('CSV_')) throw new CsvSyntaxError(`The file is not valid CSV near line ${cause.lines ?? '?'}: ${cause.message ?? cause.code}`, cause.lines ?? 0);
    throw error;
  }
}

/** The cells of every record: for reading CSV that Kindred wrote (tests, exports). */
export function parseCsv(text: string): string[][] {
  return parseCsvRecords(text).map((r) => r.cells);
}

/**
 * The text of an uploaded spreadsheet file. Excel on Windows saves "CSV" in Windows-1252, where
 * "Siân" is not valid UTF-8: a file that is not UTF-8 is read as Windows-1252 instead.
 */
export function decodeSpreadsheetText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}
