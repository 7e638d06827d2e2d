import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const webRoot = path.dirname(fileURLToPath(import.meta.url));

/**
 * The dashboard: `npm run build:web` writes web/dist, which the local server and Netlify serve.
 * `npx vite --config web/vite.config.ts` runs it in development against a local API on :8787.
 */
export default defineConfig({
  root: webRoot,
  plugins: [react()],
  build: { outDir: path.join(webRoot, 'dist'), emptyOutDir: true },
  server: { proxy: { '/api': 'http://127.0.0.1:8787', '/sim': 'http://127.0.0.1:8787' } },
});
