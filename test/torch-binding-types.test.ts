/**
 * The typed native binding (src/torch/native-binding.ts) against the addon it describes.
 *
 * What this proves:
 * 1. The loaded addon exports exactly the functions `NATIVE_BINDING_NAMES` lists, no more and no
 *    fewer (and the compiler holds that list equal to `keyof NativeBinding`), so every entry point
 *    is declared and no declaration names a function that is not there.
 * 2. Every registration in native/src/*.cc (`def<Fn>(env, exports, "name")`) is declared, and the
 *    declared parameter list is exactly as long as the C++ reads: one more than the highest index
 *    its body (or the macro that defines it) passes as `info[N]` or as `(info, N)` to a converter
 *    or helper. A C++ argument added, dropped or shifted fails here until the declaration follows.
 * 3. Each argument's declared type fits the converter the C++ reads it with (`T(info, i)` takes a
 *    tensor, `ints` an IntList, `i64` an Int, `num` a number, `flag` a boolean, …), and a
 *    parameter the C++ reads only through a converter that throws on `undefined` (`T`, `i64`,
 *    `num`, `ints`, `tensorList`) is not declared optional.
 *
 * What it does not prove: return types (the C++ builds them by hand), or indices the C++ computes
 * at run time; the C++ reads none today. The declarations are read from the TypeScript source with
 * a small parser for the subset native-binding.ts uses (members `name<…>(params): type;` and
 * `name: type;`), which fails loudly on anything else.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { native } from '../src/torch/native.js';
import { NATIVE_BINDING_NAMES } from '../src/torch/native-binding.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const nativeSrc = path.join(root, 'native/src');

// TypeScript declarations ----------------------------------------------------------------------

interface DeclaredParam {
  readonly name: string;
  readonly optional: boolean;
  readonly type: string;
}

const stripComments = (s: string): string => s.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');

/** Splits `s` at `sep` where no (), [], {} or <> is open (the `>` of `=>` does not close). */
function splitTopLevel(s: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if ('([{<'.includes(c)) depth++;
    else if (')]}'.includes(c) || (c === '>' && s[i - 1] !== '=')) depth--;
    else if (c === sep && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
    if (depth < 0) throw new Error(`unbalanced brackets near: ${s.slice(Math.max(0, i - 40), i + 1)}`);
  }
  parts.push(s.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** The index just past the bracket that closes the one at `open`. */
function closing(s: string, open: number): number {
  const pairs: Record<string, string> = { '(': ')', '{': '}', '<': '>' };
  const want = pairs[s[open]!]!;
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === s[open]) depth++;
    else if (s[i] === want && !(want === '>' && s[i - 1] === '=')) depth--;
    if (depth === 0) return i + 1;
  }
  throw new Error(`no closing ${want}`);
}

/** Members of `interface NativeBinding`: functions with their parameters, properties as undefined. */
function declaredMembers(): Map<string, DeclaredParam[] | undefined> {
  const text = stripComments(readFileSync(path.join(root, 'src/torch/native-binding.ts'), 'utf8'));
  const head = /export interface NativeBinding\b[^{]*\{/.exec(text);
  assert.ok(head, 'native-binding.ts declares `export interface NativeBinding`');
  const open = head.index + head[0].length - 1;
  const body = text.slice(open + 1, closing(text, open) - 1);
  const members = new Map<string, DeclaredParam[] | undefined>();
  for (const member of splitTopLevel(body, ';')) {
    const m = /^(\w+)\s*(<|\(|:)/.exec(member);
    if (!m) throw new Error(`cannot read the member: ${member}`);
    const name = m[1]!;
    if (m[2] === ':') {
      members.set(name, undefined);
      continue;
    }
    let at = m[0].length - 1;
    if (m[2] === '<') at = closing(member, at);
    assert.equal(member[at], '(', `${name}: a parameter list follows the name`);
    const params = member.slice(at + 1, closing(member, at) - 1);
    members.set(
      name,
      splitTopLevel(params, ',').map((p) => {
        const pm = /^(\w+)(\?)?\s*:\s*([\s\S]+)$/.exec(p);
        if (!pm) throw new Error(`${name}: cannot read the parameter ${p}`);
        return { name: pm[1]!, optional: pm[2] === '?', type: pm[3]!.replace(/\s+/g, ' ') };
      }),
    );
  }
  return members;
}

// C++ registrations ----------------------------------------------------------------------------

interface ArgUse {
  readonly index: number;
  /** The converter or helper that reads it: `T`, `i64`, `options:dtype`, `info[]`… */
  readonly reader: string;
}

interface Registered {
  readonly name: string;
  readonly fn: string;
  readonly file: string;
  readonly uses: readonly ArgUse[];
}

/** The text between the brace at `open` and its match, skipping string and char literals. */
function braceBody(s: string, open: number): string {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === '"' || c === "'") {
      for (i++; i < s.length && s[i] !== c; i++) if (s[i] === '\\') i++;
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return s.slice(open + 1, i);
  }
  throw new Error('unbalanced braces');
}

/** Every place a body reads argument N: `info[N]`, `reader(info, N)`, `options(info, N, M)`. */
function argUses(body: string): ArgUse[] {
  const uses: ArgUse[] = [];
  for (const m of body.matchAll(/(\w+)\(\s*(?:env\s*,\s*)?info\[(\d+)\]/g)) uses.push({ index: Number(m[2]), reader: `${m[1]}[]` });
  for (const m of body.matchAll(/info\[(\d+)\]/g)) uses.push({ index: Number(m[1]), reader: 'info[]' });
  for (const m of body.matchAll(/(\w+)\(\s*info\s*,\s*(\d+)(?:\s*,\s*(\d+))?/g)) {
    if (m[1] === 'options' && m[3] !== undefined) {
      uses.push({ index: Number(m[2]), reader: 'options:dtype' }, { index: Number(m[3]), reader: 'options:device' });
    } else {
      uses.push({ index: Number(m[2]), reader: m[1]! });
    }
  }
  return uses;
}

function registrations(): Registered[] {
  const files = readdirSync(nativeSrc).filter((f) => f.endsWith('.cc') || f.endsWith('.h'));
  const sources = new Map(files.map((f) => [f, stripComments(readFileSync(path.join(nativeSrc, f), 'utf8'))]));
  const all = [...sources.values()].join('\n');
  // Function-like macros that define exported functions, e.g. UNARY(Name, expr) and BINARY_OP(Name, fn).
  const macros = new Map<string, string>();
  for (const m of all.matchAll(/#define\s+(\w+)\(([^)]*)\)((?:[^\n]*\\\n)*[^\n]*)/g)) macros.set(m[1]!, m[3]!.replace(/\\\n/g, '\n'));
  const bodyOf = (fn: string): string | undefined => {
    const def = new RegExp(`(?:^|\\n)\\s*static\\s+Napi::Value\\s+${fn}\\s*\\(\\s*const\\s+Napi::CallbackInfo&\\s*info\\s*\\)\\s*\\{`).exec(all);
    if (def) return braceBody(all, def.index + def[0].length - 1);
    for (const [macro, body] of macros) {
      const use = new RegExp(`(?:^|\\n)\\s*${macro}\\(\\s*${fn}\\s*,([^\\n]*)\\)`).exec(all);
      if (use) return `${body}\n${use[1]}`;
    }
    const alias = new RegExp(`#define\\s+${fn}\\s+(\\w+)\\s*\\n`).exec(all);
    return alias ? bodyOf(alias[1]!) : undefined;
  };
  const out: Registered[] = [];
  for (const [file, text] of sources) {
    for (const m of text.matchAll(/\bdef<(\w+)>\(\s*env\s*,\s*exports\s*,\s*"([^"]+)"\s*\)/g)) {
      const body = bodyOf(m[1]!);
      if (body === undefined) throw new Error(`${file}: no definition of ${m[1]} (registered as "${m[2]}")`);
      out.push({ name: m[2]!, fn: m[1]!, file, uses: argUses(body) });
    }
  }
  return out;
}

/** What a declared type must name for each reader, and readers that throw on undefined. */
const READER_TYPES: Readonly<Record<string, RegExp>> = {
  T: /\b[TU]\b/,
  optT: /\b[TU]\b/,
  'tensorOf[]': /\b[TU]\b/,
  'isTensor[]': /\b[TU]\b/,
  tensorList: /readonly [TU]\[\]/,
  i64: /\b(Int|DtypeCode)\b/,
  optI64: /\b(Int|DtypeCode)\b/,
  num: /\bnumber\b/,
  optNum: /\bnumber\b/,
  ints: /\bIntList\b/,
  optInts: /\bIntList\b/,
  flag: /\bboolean\b/,
  optDtype: /\bDtypeCode\b/,
  optDevice: /\bDeviceString\b/,
  'options:dtype': /\bDtypeCode\b/,
  'options:device': /\bDeviceString\b/,
  'scalar[]': /\bNativeScalar\b/,
  reduction: /\bReductionCode\b/,
  autocastDevice: /\bAutocastDevice\b/,
};
const THROWS_ON_UNDEFINED = new Set(['T', 'tensorList', 'i64', 'num', 'ints']);

// Tests ----------------------------------------------------------------------------------------

describe('the typed native binding', () => {
  const declared = declaredMembers();
  const registered = registrations();

  it('the addon exports exactly the functions NATIVE_BINDING_NAMES lists', () => {
    const exported = Object.keys(native).sort();
    const listed = [...NATIVE_BINDING_NAMES].sort();
    assert.deepEqual(exported.filter((n) => !listed.includes(n as never)), [], 'exported by the addon but not declared');
    assert.deepEqual(listed.filter((n) => !exported.includes(n)), [], 'declared but not exported by the addon');
    assert.equal(new Set(listed).size, listed.length, 'NATIVE_BINDING_NAMES has no duplicates');
    assert.ok(exported.length > 170, `about 180 entry points, found ${exported.length}`);
  });

  it('the interface declares the members NATIVE_BINDING_NAMES lists, and every export is a function but NativeTensor', () => {
    assert.deepEqual([...declared.keys()].sort(), [...NATIVE_BINDING_NAMES].sort());
    for (const name of NATIVE_BINDING_NAMES) {
      const value = (native as unknown as Record<string, unknown>)[name];
      assert.equal(typeof value, 'function', name);
      assert.equal(declared.get(name) === undefined, name === 'NativeTensor', `${name}: a method exactly when it is a function export`);
    }
  });

  it('the C++ registers every declared function once, and nothing undeclared', () => {
    const names = registered.map((r) => r.name);
    assert.equal(new Set(names).size, names.length, 'each name registered once');
    const functions = NATIVE_BINDING_NAMES.filter((n) => n !== 'NativeTensor');
    assert.deepEqual([...names].sort(), [...functions].sort());
  });

  it('each declared parameter list is as long as the C++ reads', () => {
    const wrong: string[] = [];
    for (const r of registered) {
      const params = declared.get(r.name);
      assert.ok(params, `${r.name} is declared as a method`);
      const arity = r.uses.length === 0 ? 0 : Math.max(...r.uses.map((u) => u.index)) + 1;
      if (params.length !== arity) {
        wrong.push(`${r.name} (${r.file}): declared ${params.length} parameters (${params.map((p) => p.name).join(', ')}), the C++ reads ${arity}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it('each parameter has a type its C++ converter accepts, and is optional only where the C++ allows undefined', () => {
    const wrong: string[] = [];
    let checked = 0;
    for (const r of registered) {
      const params = declared.get(r.name)!;
      for (const [index, param] of params.entries()) {
        const readers = [...new Set(r.uses.filter((u) => u.index === index).map((u) => u.reader))];
        for (const reader of readers) {
          const type = READER_TYPES[reader];
          if (type === undefined) continue; // info[] tests and helpers that take any value
          checked++;
          if (!type.test(param.type)) wrong.push(`${r.name}: ${param.name}: ${param.type} does not fit ${reader}(info, ${index})`);
        }
        if (param.optional && readers.length > 0 && readers.every((reader) => THROWS_ON_UNDEFINED.has(reader))) {
          wrong.push(`${r.name}: ${param.name} is optional, but the C++ reads it with ${readers.join(', ')}, which refuse undefined`);
        }
      }
    }
    assert.deepEqual(wrong, []);
    assert.ok(checked > 250, `converter uses checked: ${checked}`);
  });

  it('the parsers see through the C++ conventions: macros, helpers, options() and #define aliases', () => {
    const byName = new Map(registered.map((r) => [r.name, r]));
    const arity = (name: string): number => Math.max(-1, ...byName.get(name)!.uses.map((u) => u.index)) + 1;
    assert.equal(arity('neg'), 1, 'UNARY macro');
    assert.equal(arity('mul'), 2, 'BINARY_OP macro');
    assert.equal(arity('zeros'), 3, 'options(info, 1, 2)');
    assert.equal(arity('adamStep'), 13);
    assert.equal(arity('mseLoss'), 3, 'reduction(info, 2)');
    assert.equal(arity('memory'), 0);
    assert.deepEqual(declared.get('adamStep')!.map((p) => p.name).slice(10), ['amsgrad', 'maximize', 'decoupledWeightDecay']);
  });
});
