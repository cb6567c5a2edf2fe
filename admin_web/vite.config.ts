import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// `npm run dev` proxies the API to a running hub (`make demo`, or ICAFE_API=http://host:port).
const hub = process.env.ICAFE_API ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  // The hub replaces this placeholder with a fresh nonce in every index.html it serves (hub/console.py),
  // so the page's CSP needs no 'unsafe-inline'; Vite puts it on its tags and in <meta property="csp-nonce">.
  html: { cspNonce: "__CSP_NONCE__" },
  server: {
    proxy: {
      "/api": { target: hub, ws: true },
      "/docs": hub,
      "/healthz": hub,
    },
  },
  build: {
    target: "es2022",
    // Source maps stay out of what the hub serves.
    sourcemap: false,
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
  },
});
