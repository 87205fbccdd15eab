/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The node serves dist/ under a strict Content-Security-Policy: nothing may be inlined
// (assetsInlineLimit 0) and the module-preload polyfill is not needed by current browsers.
export default defineConfig({
  plugins: [react()],
  build: {
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test-setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    // Typing-driven tests take seconds on a loaded 2-core machine; 5 s (the default) timed some out.
    testTimeout: 20_000,
  },
});
