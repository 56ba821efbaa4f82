#!/usr/bin/env node
// The `dsi` command: runs the compiled CLI (npm run build compiles src/ into dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  console.error('dsi: the project is not built yet; run `npm install && npm run build` in its folder');
  process.exit(1);
}
await import(main.href);
