import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist", "node_modules", "src/api/schema.d.ts", "test-results", "playwright-report"] },
  {
    files: ["**/*.{ts,tsx}"],
    extends: [js.configs.recommended, ...tseslint.configs.strictTypeChecked],
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "react-hooks": reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      "@typescript-eslint/no-confusing-void-expression": ["error", { ignoreArrowShorthand: true }],
      // Only the API module may know URLs: fetch and WebSocket are its business.
      "no-restricted-globals": [
        "error",
        { name: "fetch", message: "use the API module (src/api/) — the single door to the backend" },
      ],
    },
  },
  {
    files: ["src/api/**", "src/live/socket.ts", "e2e/**", "*.config.ts"],
    rules: { "no-restricted-globals": "off" },
  },
  {
    files: ["e2e/**", "*.config.ts"],
    languageOptions: { globals: { ...globals.node } },
  },
);
