// Vite build of the Somna page: one index.html plus hashed JS/CSS in dist/, everything bundled
// (no CDN, no web fonts) so the page works offline from `somna serve`. `npm run dev` proxies the
// API to a local `somna serve` on port 8080 (SOMNA_API to change it).
import { defineConfig } from 'vite';

const api = process.env.SOMNA_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    sourcemap: false,
    chunkSizeWarningLimit: 300,
  },
  server: {
    proxy: { '/predict': api, '/health': api },
  },
});
