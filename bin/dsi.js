#!/usr/bin/env node
// The `dsi` command: runs the compiled CLI (npm run build compiles src/ into dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  console.error('dsi: the project is not built yet; run `npm install && npm run build` in its folder');
  process.exit(1);
}
try {
  await import(main.href);
} catch (e) {
  // The CLI catches every error of a command itself, so what reaches here is a build that cannot
  // load (one being compiled at this moment, or a broken one): still one line, never Node's report.
  const what = `${e?.name ?? 'Error'}: ${String(e?.message ?? e).replace(/\s*\n\s*/g, ' ')}`;
  console.error(`dsi: the compiled CLI in ${fileURLToPath(new URL('../..', main))} cannot be loaded (${what}); rebuild it with npm run build`);
  process.exit(1);
}
