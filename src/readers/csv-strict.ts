/**
 * Strict CSV (the `strict` read option): one pass over the decoded text that accepts only what
 * RFC 4180 allows, before any row reaches the store. On top of what every CSV read refuses
 * (ragged rows, a quote never closed, text after a closing quote, two header names that sanitise
 * to one), strict mode refuses:
 *
 * - a header name that is empty or only spaces (the default names it `column_N`);
 * - two header names that are equal ignoring case, or once sanitised (`a b` and `a_b`);
 * - a quote inside an unquoted field (`5"`; the default keeps it as text);
 * - a blank line between records (the default skips it; blank lines at the end are allowed).
 *
 * Each refusal names the file and the line. The pass is a plain state machine over character
 * codes, streaming, so memory stays flat; it costs one extra read of the file, which only strict
 * reads pay.
 */
import fs from 'node:fs';
import { badInput } from '../errors.js';
import { sanitizeIdentifier } from '../store/identifiers.js';
import { snippet } from '../store/snippet.js';
import { READ_CHUNK_BYTES } from './csv-parse.js';
import { StreamDecoder, TextDecodeError, type TextEncoding } from './text-decoding.js';

const COMMA = 44;
const QUOTE = 34;

/** The file's text, decoded strictly (a decoding error is thrown), in pieces. */
async function* decodedText(file: string, encoding: TextEncoding): AsyncGenerator<string> {
  const decoder = new StreamDecoder(file, encoding, 'csv');
  for await (const bytes of fs.createReadStream(file, { highWaterMark: READ_CHUNK_BYTES })) {
    const text = decoder.write(bytes as Buffer);
    if (text !== '') yield text;
  }
  const rest = decoder.end();
  if (rest !== '') yield rest;
}
const LF = 10;
const CR = 13;

/** Refuse header names strict mode does not take (see the header); `line` is the header's. */
function checkHeader(file: string, names: readonly string[], line: number): void {
  const seen = new Map<string, number>();
  names.forEach((raw, i) => {
    if (raw.trim() === '') throw badInput(file, line, `column ${i + 1} of the header has no name (strict mode names none for you)`);
    const key = sanitizeIdentifier(raw).toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) {
      throw badInput(file, line, `columns ${first + 1} ("${snippet(names[first]!)}") and ${i + 1} ("${snippet(raw)}") of the header have the same name (ignoring case and once sanitised)`);
    }
    seen.set(key, i);
  });
}

/** Check `file` as strict CSV; rejects with `E_BAD_INPUT` naming file and line at the first problem. */
export async function checkStrictCsv(file: string, encoding: TextEncoding): Promise<void> {
  let line = 1; // the line being read
  let recordLine = 1; // the line the current record starts on
  let state: 'start' | 'unquoted' | 'quoted' | 'closing' = 'start';
  let field = ''; // the header's current field (only the header's text is kept)
  let fields = 0; // fields of the current record so far
  let header: string[] | undefined;
  let width = 0;
  let blankAt: number | undefined; // a blank line seen after the header, not yet followed by a record
  let lineEmpty = true; // nothing but the line break on this line so far
  let lastWasCr = false;

  const headerNames: string[] = [];
  const endField = () => {
    fields++;
  };
  const endRecord = () => {
    if (header === undefined) {
      headerNames.push(field);
      header = headerNames;
      checkHeader(file, header, recordLine);
      width = header.length;
    } else {
      if (blankAt !== undefined) throw badInput(file, blankAt, 'a blank line between records (strict mode takes none; the default skips them)');
      if (fields !== width) throw badInput(file, recordLine, `expected ${width} fields as in the header, found ${fields}`);
    }
    fields = 0;
    field = '';
    state = 'start';
  };

  try {
    for await (const chunk of decodedText(file, encoding)) {
      for (let i = 0; i < chunk.length; i++) {
        const c = chunk.charCodeAt(i);
        // A CRLF counts as one line break: the LF after a CR only finishes it.
        if (c === LF && lastWasCr) {
          lastWasCr = false;
          continue;
        }
        lastWasCr = c === CR;
        const lineBreak = c === LF || c === CR;
        switch (state) {
          case 'quoted':
            if (c === QUOTE) state = 'closing';
            else if (header === undefined) field += chunk[i];
            if (lineBreak) line++;
            continue;
          case 'closing':
            if (c === QUOTE) {
              state = 'quoted'; // a doubled quote
              if (header === undefined) field += '"';
              continue;
            }
            if (c !== COMMA && !lineBreak) throw badInput(file, line, 'text after the closing quote of a quoted field');
            break;
          case 'unquoted':
            if (c === QUOTE) throw badInput(file, line, 'a quote inside an unquoted field (RFC 4180: quote the field and double the quote)');
            break;
          case 'start':
            if (lineBreak && fields === 0 && lineEmpty) {
              // A blank line: allowed before the header and at the end of the file only.
              if (header !== undefined) blankAt ??= line;
              line++;
              recordLine = line;
              continue;
            }
            if (c === QUOTE) {
              state = 'quoted';
              lineEmpty = false;
              continue;
            }
            break;
        }
        // Outside quotes: a separator, a line break, or a character of an unquoted field.
        if (c === COMMA) {
          if (header === undefined) headerNames.push(field);
          endField();
          field = '';
          state = 'start';
          lineEmpty = false;
        } else if (lineBreak) {
          endField();
          endRecord();
          line++;
          recordLine = line;
          lineEmpty = true;
        } else {
          if (header === undefined) field += chunk[i];
          state = 'unquoted';
          lineEmpty = false;
        }
      }
    }
  } catch (e) {
    if (e instanceof TextDecodeError) throw badInput(file, e.line, e.what);
    throw e;
  }
  if (state === 'quoted') throw badInput(file, recordLine, 'unterminated quote: a quoted field is never closed');
  if (!lineEmpty || state === 'closing') {
    endField();
    endRecord();
  }
  if (header === undefined) throw badInput(file, 1, 'the file is empty: a CSV file needs a header line');
}
