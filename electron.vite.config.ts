import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

const root = __dirname;

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // cborg and cel-js are ESM-only: the CommonJS engine build cannot require() them, so they are bundled in
      externalizeDeps: { exclude: ['cborg', '@marcbachmann/cel-js'] },
      rollupOptions: {
        input: {
          // the Electron main process (windows, menus, starts the engine)
          index: resolve(root, 'main/electron/main.ts'),
          // the engine inside an Electron utilityProcess
          'engine-host': resolve(root, 'main/engine/host/utility-process.ts'),
          // the headless host: the engine in plain Node, renderer over HTTP, RPC over WebSocket
          server: resolve(root, 'main/server/cli.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: { input: { index: resolve(root, 'preload/index.ts') } },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    plugins: [react()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      rollupOptions: { input: { index: resolve(root, 'renderer/index.html') } },
    },
  },
});
