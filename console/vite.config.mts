/**
 * Build of the job console: `npm run build:console` (scripts/build-console.js) runs
 * `vite build console`, writing dist/console/ (index.html, assets/ with hashed names), which the
 * API serves at `/`. Everything is bundled: no CDN, no inline script (Helmet's CSP holds).
 */
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  publicDir: 'public',
  // JSX of the pages is Preact's (automatic runtime).
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: '../dist/console',
    emptyOutDir: true,
    assetsDir: 'assets',
    // The module preload polyfill is an inline-free chunk anyway; keep the output a plain module.
    modulePreload: { polyfill: false },
    sourcemap: false,
    chunkSizeWarningLimit: 200,
  },
  logLevel: 'warn',
});
