/**
 * The browser half of bench/console.py: drives Debian's Chromium with Playwright (the console's own
 * devDependency, admin_web/node_modules) against a running hub, and answers JSON lines on stdout to the
 * commands bench/console.py writes on stdin. Not run on its own.
 *
 * What it measures in the page, and how (bench/console.py's docstring has the whole method):
 * - loads: the login page from a cold cache, then the sign-in through to 200 PC tiles on screen, and a
 *   click on a tile answered (the tile selected): times from the page's own clock (performance.now);
 *   the JavaScript bytes transferred (Chrome DevTools Protocol: encoded length of each script response);
 * - frames: a requestAnimationFrame loop records each frame's time while the PCs report every second;
 *   a PerformanceObserver counts long tasks (main thread busy > 50 ms);
 * - no update dropped: the page's WebSocket is wrapped (an init script, not the console's code) to count
 *   the frames it receives and note where each marker (a payment.created) came; bench/console.py
 *   compares the count between two markers with its own socket's; and the tiles' data attributes
 *   (data-session, data-cost) are compared with the last state the hub sent.
 */
import { createRequire } from "node:module";
import { createInterface } from "node:readline";

const require = createRequire(new URL("../admin_web/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const URL_ = process.env.ICAFE_BENCH_URL;
const USER = process.env.ICAFE_BENCH_USER ?? "admin";
const PASSWORD = process.env.ICAFE_BENCH_PASSWORD;
const PCS = Number(process.env.ICAFE_BENCH_PCS ?? "200");
const CHROMIUM = process.env.ICAFE_CHROMIUM ?? "/usr/bin/chromium";

const say = (event, data = {}) => process.stdout.write(JSON.stringify({ event, ...data }) + "\n");

/** Installed in the page before any of its scripts: counts WebSocket frames, notes markers, watches long tasks. */
function instrument() {
  const bench = { messages: 0, acks: {}, longTasks: 0, longTaskMs: 0 };
  window.__bench = bench;
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        bench.messages += 1;
        if (typeof event.data === "string" && event.data.includes('"payment.created"')) {
          const found = /"payment_id":\s*"([^"]+)"/.exec(event.data);
          if (found) bench.acks[found[1]] = bench.messages;
        }
      });
    }
  };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      bench.longTasks += 1;
      bench.longTaskMs += entry.duration;
    }
  }).observe({ type: "longtask", buffered: true });
}

/** Scripts' encoded bytes, and every request's start and end (DevTools clock, seconds) for a timeline. */
async function watchNetwork(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  const scripts = new Map();
  const totals = { bytes: 0, files: 0 };
  const requests = new Map();
  cdp.on("Network.requestWillBeSent", (event) => {
    requests.set(event.requestId, { url: event.request.url, method: event.request.method, start: event.timestamp, end: null });
  });
  cdp.on("Network.responseReceived", (event) => {
    if (event.type === "Script") scripts.set(event.requestId, event.response.url);
  });
  cdp.on("Network.loadingFinished", (event) => {
    const request = requests.get(event.requestId);
    if (request) request.end = event.timestamp;
    if (scripts.has(event.requestId)) {
      totals.bytes += event.encodedDataLength;
      totals.files += 1;
    }
  });
  return { totals, requests };
}

/** The API requests from the sign-in request on, in ms from its start: where the time after sign-in goes. */
function timeline(requests) {
  const login = [...requests.values()].find((request) => request.method === "POST" && request.url.endsWith("/api/v1/auth/login"));
  if (!login) return [];
  const since = login.start;
  return [...requests.values()]
    .filter((request) => request.start >= since && request.url.includes("/api/"))
    .map((request) => ({
      request: `${request.method} ${new URL(request.url).pathname}`,
      start_ms: Math.round((request.start - since) * 1000),
      end_ms: request.end === null ? null : Math.round((request.end - since) * 1000),
    }))
    .sort((a, b) => a.start_ms - b.start_ms);
}

const tilesOnScreen = (count) =>
  document.querySelectorAll("[data-pc][data-status]").length >= count ? performance.now() : false;

async function run() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: "en-GB" });
  await context.addInitScript(instrument);
  const page = await context.newPage();
  const network = await watchNetwork(page);
  const js = network.totals;

  // The login page, cold.
  await page.goto(`${URL_}/pcs`, { waitUntil: "load" });
  await page.locator('input[name="username"]').waitFor();
  const loginPage = await page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    return { load_ms: nav.loadEventEnd, dom_ms: nav.domContentLoadedEventEnd };
  });
  const loginJs = { ...js };

  // Sign in: the clock starts with the click, in the page's own time.
  await page.fill('input[name="username"]', USER);
  await page.fill('input[name="password"]', PASSWORD);
  await page.evaluate(() => {
    document.querySelector('button[type="submit"]').addEventListener("click", () => (window.__bench.loginAt = performance.now()), { capture: true });
  });
  await page.click('button[type="submit"]');
  const shown = await (await page.waitForFunction(tilesOnScreen, PCS, { polling: "raf", timeout: 60_000 })).jsonValue();
  const interactive = await page.evaluate(async () => {
    const tile = document.querySelector("[data-pc][data-status]");
    tile.click();
    while (tile.getAttribute("aria-selected") !== "true") await new Promise((resolve) => requestAnimationFrame(resolve));
    const at = performance.now();
    tile.click(); // let it go again
    return at;
  });
  const loginAt = await page.evaluate(() => window.__bench.loginAt);
  say("signed_in", {
    login_page: loginPage,
    login_page_js: loginJs,
    first_route_js: { ...js },
    map_shown_ms: shown - loginAt,
    map_interactive_ms: interactive - loginAt,
    after_login: timeline(network.requests),
  });

  // A reload of the map while signed in (warm HTTP cache): navigation to 200 tiles on screen.
  const again = await context.newPage();
  await again.goto(`${URL_}/pcs`, { waitUntil: "commit" });
  const reload = await (await again.waitForFunction(tilesOnScreen, PCS, { polling: "raf", timeout: 60_000 })).jsonValue();
  // When the page's own scripts had run (module scripts run before DOMContentLoaded): the rest is the app.
  const scriptsRan = await again.evaluate(() => performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd);
  await again.close();
  say("reloaded", { map_reload_ms: reload, scripts_ran_ms: scriptsRan });

  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    const command = JSON.parse(line);
    if (command.cmd === "frames") {
      const figures = await page.evaluate(async (seconds) => {
        const bench = window.__bench;
        const startTasks = bench.longTasks;
        const startTaskMs = bench.longTaskMs;
        const startMessages = bench.messages;
        const times = [];
        const end = performance.now() + seconds * 1000;
        while (performance.now() < end) times.push(await new Promise((resolve) => requestAnimationFrame(resolve)));
        const deltas = times.slice(1).map((t, i) => t - times[i]).sort((a, b) => a - b);
        const at = (q) => deltas[Math.min(deltas.length - 1, Math.floor(q * deltas.length))];
        return {
          frames: deltas.length,
          fps: deltas.length / seconds,
          p50_ms: at(0.5),
          p95_ms: at(0.95),
          p99_ms: at(0.99),
          max_ms: deltas[deltas.length - 1],
          over_50ms: deltas.filter((d) => d > 50).length,
          long_tasks: bench.longTasks - startTasks,
          long_task_ms: bench.longTaskMs - startTaskMs,
          messages: bench.messages - startMessages,
        };
      }, command.seconds);
      say("frames", figures);
    } else if (command.cmd === "acks") {
      say("acks", await page.evaluate(() => ({ acks: window.__bench.acks, messages: window.__bench.messages })));
    } else if (command.cmd === "compare") {
      // The tiles against what the hub sent last; the page gets a few seconds to catch up.
      const expected = command.expected;
      const deadline = Date.now() + 5000;
      let differences = [];
      do {
        differences = await page.evaluate((want) => {
          const out = [];
          for (const [pc, state] of Object.entries(want)) {
            const tile = document.querySelector(`[data-pc="${CSS.escape(pc)}"]`);
            const session = tile?.getAttribute("data-session") ?? null;
            const cost = tile?.getAttribute("data-cost") ?? null;
            if (session !== state.session || (state.cost !== null && cost !== String(state.cost))) out.push({ pc, want: state, got: { session, cost } });
          }
          return out;
        }, expected);
        if (differences.length === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      } while (Date.now() < deadline);
      say("compared", { checked: Object.keys(expected).length, differences: differences.length, examples: differences.slice(0, 5) });
    } else if (command.cmd === "quit") {
      break;
    }
  }
  await browser.close();
}

run().then(
  () => process.exit(0),
  (error) => {
    say("error", { message: String(error?.stack ?? error) });
    process.exit(1);
  },
);
