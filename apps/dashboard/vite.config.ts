import { defineConfig } from 'vite';

// Served by the api at `/` (apps/api/src/routes/dashboard.ts); client routes are hash routes
// (`#/studies/<id>`), so no path of the app can shadow an API route.
export default defineConfig({
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1200 },
});
