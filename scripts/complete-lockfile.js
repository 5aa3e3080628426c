#!/usr/bin/env node
/**
 * Completes package-lock.json with the platform-specific optional packages that
 * the registry mirror of our build machines does not serve (e.g. Biome's and
 * swc's macOS/Windows/musl binaries). npm leaves them out of the lockfile, and
 * `npm ci` then refuses the lockfile ("Missing: … from lock file").
 * Each added entry carries the version the parent asks for, `optional: true`, and
 * the os/cpu/libc read from the package name, so npm skips it on other platforms.
 * Run after `npm install` changes the lockfile: `node scripts/complete-lockfile.js`.
 */
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const file = join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages;

const OS = ['android', 'darwin', 'linux', 'win32', 'freebsd'];
const CPU = { arm64: 'arm64', x64: 'x64', ia32: 'ia32', arm: 'arm', ppc64: 'ppc64', s390x: 's390x' };

function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const os = parts.find((p) => OS.includes(p));
  const cpu = parts.map((p) => CPU[p]).find(Boolean);
  if (!os || !cpu) return null;
  const libc = os !== 'linux' ? undefined : parts.includes('musl') ? 'musl' : 'glibc';
  return { os: [os], cpu: [cpu], ...(libc ? { libc: [libc] } : {}) };
}

let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    if (packages[key] !== undefined) continue;
    const platform = platformOf(dep);
    if (platform === null) continue;
    packages[key] = { version, ...(entry.dev ? { dev: true } : {}), optional: true, ...platform };
    added++;
    console.log(`added ${key}@${version} (${platform.os[0]}/${platform.cpu[0]}) for ${path || 'root'}`);
  }
}
const sorted = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
lock.packages = sorted;
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`${added} entries added`);
