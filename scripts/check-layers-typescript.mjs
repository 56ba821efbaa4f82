// Lets dependency-cruiser parse TypeScript while the project compiles with TypeScript 7.
//
// TypeScript 7 (the project's `typescript`, a native compiler) has no JavaScript API, and
// dependency-cruiser needs one (it accepts `typescript` < 7) to parse `.ts` files and read
// tsconfig.json; without it, it silently skips every `.ts` file. `@typescript/typescript6` is
// TypeScript 6 under another name, the side-by-side setup TypeScript 7's release recommends.
// Loaded with `node --import`, this file sends dependency-cruiser's `typescript` (its ESM
// `import` and its `require('typescript/package.json')` version check) to that package and
// changes nothing for any other importer. scripts/check-layers.sh also checks that `.ts` files
// were actually cruised, so a missing parser can never pass as "no violations".
import Module, { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

const CRUISER = '/node_modules/dependency-cruiser/';
const API = '@typescript/typescript6';

/** The request dependency-cruiser meant for `typescript`, sent to the TypeScript 6 package. */
function redirect(request, parentPath) {
  if (typeof parentPath !== 'string' || !parentPath.includes(CRUISER)) return request;
  if (request === 'typescript') return API;
  if (request === 'typescript/package.json') return `${API}/package.json`;
  return request;
}

/** ESM resolve hook (runs on the loader thread). */
export async function resolve(specifier, context, nextResolve) {
  return nextResolve(redirect(specifier, context.parentURL), context);
}

if (isMainThread) {
  register(import.meta.url);
  const resolveFilename = Module._resolveFilename;
  Module._resolveFilename = function (request, parent, ...rest) {
    return resolveFilename.call(this, redirect(request, parent?.filename), parent, ...rest);
  };
}
