#!/usr/bin/env node
/**
 * Builds the job console (console/ → dist/console/, Vite) that the API serves at `/`.
 *
 *   node scripts/build-console.js              build (npm run build:console)
 *   node scripts/build-console.js --if-needed  only when dist/console is missing or older than a
 *                                              source file (npm start's prestart)
 *   node scripts/build-console.js --optional   skip, with a note, when the sources or Vite are not
 *                                              there (npm's `prepare` on `npm ci`: a production
 *                                              install without dev dependencies, or a Docker layer
 *                                              that has only package.json yet)
 */
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const source = join(root, 'console');
const index = join(root, 'dist', 'console', 'index.html');
const args = new Set(process.argv.slice(2));
const optional = args.has('--optional');

/** Newest modification time (ms) of the files under `dir`. */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

if (!existsSync(join(source, 'index.html'))) {
  if (optional) {
    console.log('[build:console] no console sources here; skipped');
    process.exit(0);
  }
  console.error('[build:console] console/index.html is missing');
  process.exit(1);
}
let vite;
try {
  vite = join(require.resolve('vite/package.json', { paths: [root] }), '..', 'bin', 'vite.js');
} catch {
  if (optional) {
    console.log('[build:console] Vite is not installed (production install); the console is not built');
    process.exit(0);
  }
  console.error('[build:console] Vite is not installed: run npm ci (it is a dev dependency)');
  process.exit(1);
}
const sourceFiles = [source, join(root, 'package-lock.json')];
if (args.has('--if-needed') && existsSync(index)) {
  const built = statSync(index).mtimeMs;
  const changed = Math.max(newest(source), statSync(sourceFiles[1]).mtimeMs);
  if (changed <= built) {
    console.log('[build:console] dist/console is up to date');
    process.exit(0);
  }
}
const started = Date.now();
const result = spawnSync(process.execPath, [vite, 'build', 'console'], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
console.log(`[build:console] dist/console built in ${Date.now() - started} ms`);
