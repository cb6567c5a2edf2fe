import createCache from "@emotion/cache";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

import { App } from "./app/App";
import "./app/i18n";

// The hub puts a fresh nonce in this tag of every index.html it serves (hub/console.py); the CSP admits
// only <style> tags that carry it, so emotion (MUI's styles) must put it on each one it injects.
const nonce = document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]')?.nonce ?? undefined;
const emotionCache = createCache({ key: "mui", nonce, prepend: true });

const root = document.getElementById("root");
if (root === null) throw new Error("index.html has no #root");
createRoot(root).render(
  <StrictMode>
    <App emotionCache={emotionCache} />
  </StrictMode>,
);
