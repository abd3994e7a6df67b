// The console's build: one ES module bundle and one stylesheet under /console/assets/, served by
// the API (services/api/ops/console.ts). Preact's JSX is compiled by Vite's own transformer, so
// no Babel preset is needed.
import { defineConfig } from "vite";

export default defineConfig({
  root: import.meta.dirname,
  base: "/console/",
  logLevel: "warn",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // The polyfill is an inline-free module too, but every browser the console targets has modulepreload.
    modulePreload: { polyfill: false },
    reportCompressedSize: true,
    chunkSizeWarningLimit: 200,
  },
});
