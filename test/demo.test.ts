/**
 * `dsi demo` prints each step as the `dsi` command it runs: every `$ dsi …` line of its output,
 * typed into a shell in a fresh folder, prints exactly what the demo printed after it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandLine, shellWord } from '../src/cli/commands/demo.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DSI = path.join(ROOT, 'bin/dsi.js');

/** The demo's output as (command line, what it printed) pairs. */
function steps(output: string): { line: string; printed: string }[] {
  const out: { line: string; printed: string }[] = [];
  for (const chunk of output.split(/^\$ /m).slice(1)) {
    const newline = chunk.indexOf('\n');
    out.push({ line: chunk.slice(0, newline).replace(/\s+# .*$/, ''), printed: chunk.slice(newline + 1).trim() });
  }
  return out;
}

describe('dsi demo', () => {
  it('runs exactly the command lines it prints', () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-demo-'));
    try {
      const [first, second] = ['first', 'second'].map((name) => path.join(parent, name));
      for (const dir of [first!, second!]) fs.mkdirSync(dir);
      const demo = spawnSync(process.execPath, [DSI, 'demo', '--no-ml'], { cwd: first, encoding: 'utf8' });
      assert.equal(demo.status, 0, demo.stderr);
      const shown = steps(demo.stdout);
      assert.deepEqual(
        shown.map((s) => s.line.split(' ').slice(3, 4)[0]),
        ['read', 'schema', 'read', 'read', 'read', 'list', 'summary', 'find', 'units'],
        'the verbs, after dsi --db demo.db',
      );
      assert.ok(shown.every((s) => s.line.startsWith('dsi --db demo.db ')), 'the store is named on every line');
      for (const { line, printed } of shown) {
        // As a user would: the alias, then the line as printed, in another folder at the same depth.
        const r = spawnSync('bash', ['-c', `dsi() { "${process.execPath}" "${DSI}" "$@"; }\n${line}`], { cwd: second, encoding: 'utf8' });
        assert.equal(r.status, 0, `${line}: ${r.stderr}`);
        assert.equal(r.stdout.trim(), printed, `the output of: ${line}`);
      }
      assert.ok(fs.existsSync(path.join(second!, 'demo.db')));
    } finally {
      fs.rmSync(parent, { recursive: true, force: true });
    }
  });

  it('quotes each argument the way a POSIX shell reads it back', () => {
    const args = ['find', 'wind_speed > 5', "SELECT * FROM t WHERE s = 'test'", 'a"b$c`d\\e', 'label=0..9', ''];
    assert.equal(shellWord('examples/wildfiredata.csv'), 'examples/wildfiredata.csv');
    assert.equal(shellWord('wind_speed > 5'), "'wind_speed > 5'");
    assert.equal(shellWord("split = 'test'"), `"split = 'test'"`);
    const r = spawnSync('bash', ['-c', `printf '%s\\n' ${commandLine(args)}`], { encoding: 'utf8' });
    assert.deepEqual(r.stdout.split('\n').slice(0, -1), ['dsi', ...args]);
  });
});
