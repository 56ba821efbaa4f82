/**
 * The `datacard-dublin-core` reader: a Dublin Core datacard (XML, Python DSI's
 * `template_dc_dublin_core.xml`) becomes one row of `dublin_core_datacard`. The root element's
 * children are the fields, namespace prefixes dropped (`dc:title` → `title`); all fifteen
 * elements of the Dublin Core Metadata Element Set are required (empty ones are allowed and
 * stored as NULL), as Python DSI requires them; an element given twice is kept as a JSON array.
 * XML is parsed by fast-xml-parser after its validator has checked the file, so a malformed
 * card names its line.
 */
import { StoreError, badInput } from '../errors.js';
import type { Reader } from '../store/reader.js';
import { snippet } from '../store/snippet.js';
import { type DatacardFields, checkTableOption, datacardRow, sniffText } from './datacard-fields.js';
import { withinStack } from './nesting-limit.js';
import { readTextFile } from './text-decoding.js';

/** The fifteen elements, in the template's order. */
export const DUBLIN_CORE_FIELDS: DatacardFields = Object.freeze({
  format: 'Dublin Core',
  table: 'dublin_core_datacard',
  required: Object.freeze(['title', 'creator', 'subject', 'description', 'publisher', 'contributor', 'date', 'type', 'format', 'identifier', 'source', 'language', 'relation', 'coverage', 'rights']),
});

const NAME = 'datacard-dublin-core';

/** The card's fields (element name → text), in document order. */
async function parseCard(text: string, file: string): Promise<[string, unknown][]> {
  const { XMLParser, XMLValidator } = await import('fast-xml-parser'); // only when a card is read
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw badInput(file, valid.err.line, `invalid XML: ${snippet(valid.err.msg, 120)}`);
  const parser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: true, ignoreDeclaration: true, ignorePiTags: true, parseTagValue: false, trimValues: true, isArray: () => true });
  let document: Record<string, unknown[]>;
  try {
    document = withinStack(file, () => parser.parse(text) as Record<string, unknown[]>);
  } catch (e) {
    // The parser's own limits (elements nested past its maximum depth) are bad input, not a crash.
    if (e instanceof StoreError || !(e instanceof Error)) throw e;
    throw badInput(file, undefined, `invalid XML: ${snippet(e.message.replace(/\s+/g, ' '), 120)}`);
  }
  const roots = Object.entries(document);
  if (roots.length !== 1 || roots[0]![1].length !== 1) throw badInput(file, undefined, 'a Dublin Core datacard has one root element (<metadata>) holding the fields');
  const root = roots[0]![1][0];
  if (root === null || typeof root !== 'object') throw badInput(file, undefined, `the root element <${snippet(roots[0]![0])}> holds no fields`);
  return Object.entries(root as Record<string, unknown[]>).map(([name, values]) => [name, values.length === 1 ? values[0] : values]);
}

export const dublinCoreDatacardReader: Reader = {
  name: NAME,
  description: 'Dublin Core datacard (XML): one row of dublin_core_datacard; the 15 elements required',
  extensions: ['.xml'],
  recognizes(file) {
    const text = sniffText(file);
    return text !== undefined && /purl\.org\/dc\/elements|<dc:/i.test(text);
  },
  async read(file, context) {
    checkTableOption(context, DUBLIN_CORE_FIELDS, NAME);
    const card = await parseCard(await readTextFile(file, 'utf8', NAME), file);
    return { tables: [datacardRow(file, DUBLIN_CORE_FIELDS, card)], units: [] };
  },
};
