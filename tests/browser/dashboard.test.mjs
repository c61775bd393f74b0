// dashboard.test.mjs - browser tests of the page memscope_export_html writes.
//
//   node tests/browser/dashboard.test.mjs                 every export in build/test-out/browser
//                                                         (large last: a binned page of 1.5 M events)
//   node tests/browser/dashboard.test.mjs --bench FILE    load FILE 3 times, print nav -> ready times
//
// Run from the repository root, after tests/browser/run.sh has built the exports (run.sh does
// both). Uses playwright-core from build/npm and Debian's /usr/bin/chromium, headless. Each
// export NAME is a pair NAME.html / NAME.json written from the same tracker back to back; the
// page is checked against the JSON. Only the page's DOM contract is relied on:
//   window.memscopeReady, window.memscopeTimings {decode_ms, ready_ms}, #error (shown on
//   exceptions), [data-metric][data-value] cards, table#hotspots (th[data-sort], rows with
//   data-bytes), input#hotspots-filter, table#leaks[data-total], input#leaks-search, #leaks-prev,
//   #leaks-next, #leaks-page ("page X of Y"), table#threads, div#flamegraph[data-frames|data-empty],
//   canvas#timeline, window.memscopeSetWindow(t0_ns, t1_ns) / (null), #window-label,
//   section#system canvas[data-metric].
// The whole-program export (wholeprog: `memscope run`) also relies on: #hotspots rows with
//   data-count, #hotspots-by button[data-value="where"|"stack"], table#leak-groups (rows with
//   data-bytes, data-count, data-stack), #leaks-view button[data-value="groups"|"flat"],
//   details#leaks-suppressed[data-count][data-bytes], select#flame-metric
//   (bytes|count|leaked|peak|temporary), select#flame-direction (top|bottom),
//   #flamegraph[data-metric][data-direction][data-total], #system-note and
//   window.memscopeFlame() -> {metric, direction, total, children: [{name, value}], names}.
// Beyond it, only optionally: the export's <script id="memscope-report"> / "memscope-events"
// blocks are read from the file (the exact duration and rates, and the escaping of odd names);
// without them those checks fall back or are skipped with a note.
// The large export (more events than a page holds: a binned page) also reads the banners
// (#banners .banner), the cards' title attributes, #summary-line, #window-label and
// canvas#timeline[data-peak], and needs the embedded report (event_count, events_total,
// timeline) and its memscope-events block (the records: the allocations live at the end).
// Prints one line per check, "ok ..." or "FAIL ...: reason", and last "N passed, N failed".
// Nothing waits on a fixed delay: every wait is on a condition, with a bound.

import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = process.cwd();
const OUT = process.env.MEMSCOPE_BROWSER_OUT || path.join(ROOT, 'build', 'test-out', 'browser');
const CHROMIUM = process.env.MEMSCOPE_CHROMIUM || '/usr/bin/chromium';
const READY_TIMEOUT_MS = 10000; // window.memscopeReady must be true within this, from navigation
const LARGE_READY_TIMEOUT_MS = 60000; // the same for the large export (a binned page)
const HTML_MAX_EVENTS = 1000000; // MEMSCOPE_HTML_MAX_EVENTS: the events a page holds at most
const UI_TIMEOUT_MS = 3000;     // bound on waiting for the page to react to a click or an input
const LEAKS_PER_PAGE = 100;

let chromium;
try {
  ({ chromium } = createRequire(path.join(ROOT, 'build', 'npm', 'package.json'))('playwright-core'));
} catch (e) {
  console.log(`FAIL harness: playwright-core not found in build/npm (${e.message.split('\n')[0]}); run tests/browser/run.sh`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

// ---------------------------------------------------------------- reporting

let passed = 0;
let failed = 0;
// one line of plain output: newlines, U+2028/2029 and U+FFFD written as escapes
const oneLine = (s) => String(s).replace(/\r?\n/g, '\\n').replace(/[\u2028\u2029\ufffd]/g,
  (c) => `\\u${c.charCodeAt(0).toString(16)}`).slice(0, 600);
function check(name, ok, reason = '') {
  if (ok) {
    passed++;
    console.log(`ok   ${oneLine(name)}`);
  } else {
    failed++;
    console.log(`FAIL ${oneLine(name)}: ${oneLine(reason || 'failed')}`);
  }
  return ok;
}
const note = (s) => console.log(`#    ${oneLine(s)}`);
const skip = (name, why) => console.log(`skip ${name}: ${why}`);

// ---------------------------------------------------------------- expectations from the JSON

const norm = (s) => String(s).replace(/[\s\u2028\u2029]+/g, ' ').trim();
const lower = (s) => String(s ?? '').toLowerCase();

// The report embedded in the HTML file (the exact state the page shows). Only used for
// duration_sec and the two rates, which each export computes at its own moment.
function embeddedReport(html) {
  const m = /<script[^>]*id="memscope-report"[^>]*>([\s\S]*?)<\/script>/i.exec(html);
  if (!m) return null;
  try { return JSON.parse(m[1]); } catch { return null; }
}

function analyse(json) {
  const sites = new Map((json.sites || []).map((s) => [s.id, s]));
  const events = json.events || [];
  const live = new Map();
  for (const e of events) {
    if (e.kind === 'alloc') live.set(e.address, e);
    else live.delete(e.address);
  }
  const siteText = (s) => (s ? [s.var_name, s.type_name, s.file, `${s.file}:${s.line}`] : []);
  const hotText = (h) => [h.var_name, h.type_name, h.location];
  const allText = [
    ...(json.sites || []).flatMap(siteText),
    ...(json.threads || []).map((t) => t.thread_name),
    ...(json.stacks || []).flatMap((st) => st.frames.flatMap((f) => [f.function, f.module])),
  ].filter((x) => x).map(lower);
  // a term that occurs in exactly one field of all (so any filter that looks at names, types,
  // files or threads matches exactly one thing)
  const uniqueTerm = (name) => name && name.length >= 4 && /^[\w.-]+$/.test(name) &&
    allText.filter((t) => t.includes(lower(name))).length === 1;

  const hotspots = json.hotspots || [];
  let hotTerm = null;
  for (let i = hotspots.length - 1; i >= 0 && !hotTerm; i--) {
    const n = hotspots[i].var_name;
    const matching = hotspots.filter((h) => hotText(h).some((f) => lower(f).includes(lower(n))));
    if (uniqueTerm(n) && matching.length === 1) hotTerm = n;
  }
  const hotMatches = hotTerm ? hotspots.filter((h) => hotText(h).some((f) => lower(f).includes(lower(hotTerm)))) : [];

  const leakBySite = new Map();
  for (const e of live.values()) leakBySite.set(e.site, (leakBySite.get(e.site) || 0) + 1);
  let leakTerm = null;
  let leakMatches = 0;
  for (const [id, n] of [...leakBySite].sort((a, b) => a[1] - b[1])) {
    const s = sites.get(id);
    if (s && uniqueTerm(s.var_name)) {
      leakTerm = s.var_name;
      leakMatches = [...live.values()].filter((e) => siteText(sites.get(e.site)).some((f) => lower(f).includes(lower(leakTerm)))).length;
      if (n <= LEAKS_PER_PAGE) break;
    }
  }

  // a window over the first half of the events' span, its end between two events
  let win = null;
  const allocs = events.filter((e) => e.kind === 'alloc');
  if (events.length >= 2) {
    const ts = events.map((e) => e.timestamp_ns);
    const mid = (ts[0] + ts[ts.length - 1]) / 2;
    let k = ts.findIndex((t) => t > mid);
    if (k <= 0) k = 1;
    const t1 = Math.floor((ts[k - 1] + ts[k]) / 2);
    const inWin = allocs.filter((e) => e.timestamp_ns >= 0 && e.timestamp_ns <= t1);
    win = { t0: 0, t1, bytes: inWin.reduce((a, e) => a + e.size, 0), allocs: inWin.length };
  }
  return {
    live: live.size, hotTerm, hotMatches, leakTerm, leakMatches, win,
    hotBytes: hotspots.reduce((a, h) => a + h.total_size, 0),
  };
}

// ---------------------------------------------------------------- page helpers

// Installed before the page's own scripts: records when memscopeReady turns true (ms since
// navigation start, performance.now()) and defines helpers under one harness-only name.
function initScript() {
  let ready;
  Object.defineProperty(window, 'memscopeReady', {
    configurable: true,
    enumerable: true,
    get() { return ready; },
    set(v) {
      ready = v;
      if (v === true && window.__msReadyAt === undefined) window.__msReadyAt = performance.now();
    },
  });
  window.__msTest = {
    // rows of a table that are not hidden inside the table (a hidden tab around it does not count)
    shown(sel) {
      const table = document.querySelector(sel);
      if (!table) return null;
      return [...table.querySelectorAll('tr')].filter((tr) => {
        if (tr.closest('thead')) return false;
        for (let e = tr; e && e !== table; e = e.parentElement) {
          if (e.hidden || getComputedStyle(e).display === 'none' || getComputedStyle(e).visibility === 'hidden') return false;
        }
        return tr.querySelector('td') !== null;
      });
    },
    bytes(sel) {
      const rows = this.shown(sel);
      return rows && rows.filter((r) => r.hasAttribute('data-bytes')).map((r) => Number(r.getAttribute('data-bytes')));
    },
    sum(sel) {
      const b = this.bytes(sel);
      return b && b.reduce((a, x) => a + x, 0);
    },
    frame() {
      return new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r())));
    },
  };
}

async function openPage(browser, file, { dark = false, readyTimeout = READY_TIMEOUT_MS, readyName = 'memscopeReady' } = {}) {
  const context = await browser.newContext({
    colorScheme: dark ? 'dark' : 'light',
    viewport: { width: 1280, height: 900 },
  });
  openContexts.add(context);
  const page = await context.newPage();
  const url = pathToFileURL(file).href;
  const issues = { console: [], page: [], requests: [], dialogs: [] };
  page.on('console', (m) => { if (m.type() === 'error') issues.console.push(m.text()); });
  page.on('pageerror', (e) => issues.page.push(e && e.message ? e.message : String(e)));
  page.on('crash', () => issues.page.push('the page crashed'));
  page.on('request', (r) => {
    const u = r.url();
    const self = r.isNavigationRequest() && r.frame() === page.mainFrame() && decodeURI(u) === decodeURI(url);
    if (!self && !u.startsWith('data:')) issues.requests.push(`${r.resourceType()} ${u}`);
  });
  page.on('dialog', (d) => {
    issues.dialogs.push(`${d.type()}: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  await page.addInitScript(initScript);
  const started = Date.now();
  let ready = false;
  let readyError = '';
  try {
    await page.goto(url, { waitUntil: 'commit', timeout: readyTimeout });
    const left = Math.max(1, readyTimeout - (Date.now() - started));
    await page.waitForFunction((n) => window[n] === true, readyName, { timeout: left });
    ready = true;
  } catch (e) {
    readyError = e.message.split('\n')[0];
  }
  const readyAt = await page.evaluate(() => window.__msReadyAt).catch(() => undefined);
  return { context, page, issues, ready, readyError, readyAt };
}

async function clickEl(page, sel) {
  try {
    await page.click(sel, { timeout: UI_TIMEOUT_MS });
  } catch (e) {
    note(`${sel} was not clickable (${e.message.split('\n')[0]}); dispatching a click event instead`);
    await page.dispatchEvent(sel, 'click');
  }
}

async function typeInto(page, sel, text) {
  try {
    await page.fill(sel, text, { timeout: UI_TIMEOUT_MS });
  } catch (e) {
    note(`${sel} was not editable (${e.message.split('\n')[0]}); setting its value and dispatching input`);
    await page.evaluate(([s, t]) => {
      const el = document.querySelector(s);
      el.value = t;
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new Event('change', { bubbles: true }));
    }, [sel, text]);
  }
}

// Waits (bounded) until fn(arg) is true in the page; returns whether it became true.
async function until(page, fn, arg, timeout = UI_TIMEOUT_MS) {
  try {
    await page.waitForFunction(fn, arg, { timeout, polling: 'raf' });
    return true;
  } catch {
    return false;
  }
}

const exists = (page, sel) => page.evaluate((s) => document.querySelector(s) !== null, sel);
const attr = (page, sel, a) => page.evaluate(([s, n]) => {
  const e = document.querySelector(s);
  return e ? e.getAttribute(n) : null;
}, [sel, a]);
const text = (page, sel) => page.evaluate((s) => {
  const e = document.querySelector(s);
  return e ? e.innerText : null;
}, sel);

// ---------------------------------------------------------------- the checks of one export

const METRICS = [
  'total_allocations', 'total_deallocations', 'active_allocations', 'peak_memory_bytes',
  'current_memory_bytes', 'allocation_rate_per_sec', 'deallocation_rate_per_sec', 'duration_sec',
  'sample_rate', 'estimated_total_allocations', 'estimated_total_bytes', 'dropped_events',
  'dropped_snapshots',
];
// computed at each export's own moment, so they differ between NAME.json and NAME.html
const CLOCKED = new Set(['allocation_rate_per_sec', 'deallocation_rate_per_sec', 'duration_sec']);

async function checkMetrics(page, name, json, embedded) {
  const cards = await page.evaluate(() => [...document.querySelectorAll('[data-metric][data-value]')]
    .map((e) => [e.getAttribute('data-metric'), e.getAttribute('data-value')]));
  // every card of a metric must show the value (a page may repeat one); the first is reported
  const value = (m) => {
    const found = [...new Set(cards.filter(([k]) => k === m).map(([, v]) => v))];
    return found.length === 0 ? undefined : found.length === 1 ? found[0] : found.join(' / ');
  };
  const expected = {};
  for (const m of METRICS) expected[m] = json[m];
  expected.thread_count = (json.threads || []).length;
  expected.event_count = (json.events || []).length;
  for (const m of Object.keys(expected)) {
    const dv = value(m);
    const label = `${name}: metric ${m}`;
    if (dv === undefined) { check(label, false, `no [data-metric="${m}"][data-value] element`); continue; }
    const got = dv.trim() === '' ? NaN : Number(dv);
    if (CLOCKED.has(m)) {
      // the page must show its own export's value exactly; the JSON export was written just
      // before the HTML one, so its duration is a little shorter
      const want = embedded ? embedded[m] : json[m];
      const src = embedded ? 'the report embedded in the .html' : 'the .json (no embedded report found)';
      check(`${label} = ${want} (${src}; .json says ${json[m]})`, got === want,
        `data-value="${dv}" (${got}), expected ${want}`);
    } else {
      check(`${label} = ${expected[m]}`, got === expected[m], `data-value="${dv}" (${got}), expected ${expected[m]} from the .json`);
    }
  }
  // cards beyond the contract's list that name a number of the .json's top level
  for (const m of [...new Set(cards.map(([k]) => k))]) {
    if (m in expected || typeof json[m] !== 'number') continue;
    const dv = value(m);
    check(`${name}: metric ${m} = ${json[m]} (a card beyond the list)`, Number(dv) === json[m], `data-value="${dv}", expected ${json[m]}`);
  }
  const dur = Number(value('duration_sec'));
  if (Number.isFinite(dur) && json.duration_sec !== undefined) {
    check(`${name}: duration_sec on the page (${dur}) >= the .json's (${json.duration_sec}), within 60 s`,
      dur >= json.duration_sec && dur - json.duration_sec < 60, `page ${dur}, json ${json.duration_sec}`);
    const rate = Number(value('allocation_rate_per_sec'));
    const tot = Number(value('total_allocations'));
    const secs = dur > 1e-9 ? dur : 1e-9;
    check(`${name}: allocation_rate_per_sec x duration_sec = total_allocations`,
      Math.abs(rate * secs - tot) <= 1e-6 * Math.max(1, tot), `${rate} x ${secs} = ${rate * secs}, total ${tot}`);
  }
}

async function checkHotspots(page, name, json, a) {
  const hs = json.hotspots || [];
  if (!check(`${name}: table#hotspots exists`, await exists(page, 'table#hotspots'), 'no table#hotspots')) return;
  const bytes = await page.evaluate(() => window.__msTest.bytes('#hotspots'));
  check(`${name}: #hotspots has ${hs.length} rows with data-bytes`, bytes.length === hs.length, `${bytes.length} rows`);
  const want = hs.map((h) => h.total_size).sort((x, y) => x - y);
  const got = [...bytes].sort((x, y) => x - y);
  check(`${name}: #hotspots data-bytes are the .json's total_size values`, JSON.stringify(got) === JSON.stringify(want),
    `got [${got.slice(0, 12)}], want [${want.slice(0, 12)}]`);

  // sorting: the bytes column (th[data-sort] whose key names bytes/size), else every header
  const distinct = new Set(bytes).size;
  if (hs.length < 2 || distinct < 2) {
    skip(`${name}: #hotspots sort`, 'fewer than two distinct sizes');
  } else {
    const keys = await page.evaluate(() => [...document.querySelectorAll('#hotspots th[data-sort]')].map((t) => t.getAttribute('data-sort')));
    if (!check(`${name}: #hotspots has th[data-sort] headers`, keys.length > 0, 'no th[data-sort] in #hotspots')) return;
    const order = [...keys].sort((x, y) => Number(/byte|size|total/i.test(y)) - Number(/byte|size|total/i.test(x)));
    const isAsc = (b) => b.every((x, i) => i === 0 || b[i - 1] <= x);
    const isDesc = (b) => b.every((x, i) => i === 0 || b[i - 1] >= x);
    let key = null;
    const seen = [];
    for (const k of order) {
      const sel = `#hotspots th[data-sort="${k}"]`;
      for (let click = 0; click < 2 && !key; click++) {
        await clickEl(page, sel);
        // the first click may keep a descending order, so wait for a rendered frame, not a change
        await page.evaluate(() => window.__msTest.frame());
        const now = await page.evaluate(() => window.__msTest.bytes('#hotspots'));
        seen.push(`${k}: [${now.slice(0, 6)}]`);
        if (isAsc(now) && !isDesc(now)) key = k;
      }
      if (key) break;
    }
    if (check(`${name}: clicking a th[data-sort] header sorts #hotspots by data-bytes ascending`, key !== null,
      `no header gave an ascending data-bytes order; seen ${seen.join('; ')}`)) {
      const sel = `#hotspots th[data-sort="${key}"]`;
      const before = JSON.stringify(await page.evaluate(() => window.__msTest.bytes('#hotspots')));
      await clickEl(page, sel);
      await until(page, (b) => JSON.stringify(window.__msTest.bytes('#hotspots')) !== b, before);
      const now = await page.evaluate(() => window.__msTest.bytes('#hotspots'));
      check(`${name}: clicking th[data-sort="${key}"] again flips #hotspots to descending`, isDesc(now) && !isAsc(now), `order [${now.slice(0, 12)}]`);
    }
  }

  // filter
  if (!a.hotTerm) {
    skip(`${name}: #hotspots-filter`, 'no hotspot name that matches exactly one hotspot');
  } else if (check(`${name}: input#hotspots-filter exists`, await exists(page, 'input#hotspots-filter'), 'no input#hotspots-filter')) {
    const want = a.hotMatches.map((h) => h.total_size).sort((x, y) => x - y);
    await typeInto(page, '#hotspots-filter', a.hotTerm);
    await until(page, (n) => window.__msTest.bytes('#hotspots').length === n, want.length);
    const got = (await page.evaluate(() => window.__msTest.bytes('#hotspots'))).sort((x, y) => x - y);
    const texts = await page.evaluate(() => window.__msTest.shown('#hotspots').map((r) => r.innerText));
    check(`${name}: filter "${a.hotTerm}" leaves exactly the ${want.length} matching row(s)`,
      JSON.stringify(got) === JSON.stringify(want) && texts.every((t) => lower(t).includes(lower(a.hotTerm))),
      `rows data-bytes [${got.slice(0, 12)}], want [${want}]; texts ${JSON.stringify(texts.slice(0, 3))}`);
    await typeInto(page, '#hotspots-filter', '');
    await until(page, (n) => window.__msTest.bytes('#hotspots').length === n, hs.length);
    const back = await page.evaluate(() => window.__msTest.bytes('#hotspots'));
    check(`${name}: clearing #hotspots-filter shows all ${hs.length} rows again`, back.length === hs.length, `${back.length} rows`);
  }
}

async function checkLeaks(page, name, json, a) {
  const active = json.active_allocations;
  if (!check(`${name}: table#leaks exists`, await exists(page, 'table#leaks'), 'no table#leaks')) return;
  const total = await attr(page, 'table#leaks', 'data-total');
  check(`${name}: #leaks[data-total] = active_allocations (${active})`, total !== null && Number(total) === active,
    `data-total=${JSON.stringify(total)}`);
  if (a.live !== active) note(`${name}: the .json's events leave ${a.live} live allocations, active_allocations is ${active}`);
  const rowCount = () => page.evaluate(() => window.__msTest.shown('#leaks').length);
  if (active > 0) {
    const n = await rowCount();
    check(`${name}: #leaks shows ${Math.min(active, LEAKS_PER_PAGE)} rows on its first page`, n === Math.min(active, LEAKS_PER_PAGE), `${n} rows`);
    const pages = Math.ceil(active / LEAKS_PER_PAGE);
    const pt = await text(page, '#leaks-page');
    check(`${name}: #leaks-page says "page 1 of ${pages}"`, pt !== null && new RegExp(`\\b1\\s+of\\s+${pages}\\b`).test(pt), `text ${JSON.stringify(pt)}`);
  }
  // search
  if (!a.leakTerm) {
    skip(`${name}: #leaks-search`, 'no leaking site with a name unique in the report');
  } else if (check(`${name}: input#leaks-search exists`, await exists(page, 'input#leaks-search'), 'no input#leaks-search')) {
    const want = Math.min(a.leakMatches, LEAKS_PER_PAGE);
    await typeInto(page, '#leaks-search', a.leakTerm);
    await until(page, (n) => window.__msTest.shown('#leaks').length === n, want);
    const texts = await page.evaluate(() => window.__msTest.shown('#leaks').map((r) => r.innerText));
    check(`${name}: #leaks-search "${a.leakTerm}" leaves the ${want} matching leak row(s)`,
      texts.length === want && texts.every((t) => lower(t).includes(lower(a.leakTerm))),
      `${texts.length} rows; first ${JSON.stringify(texts.slice(0, 2))}`);
    await typeInto(page, '#leaks-search', '');
    const full = Math.min(active, LEAKS_PER_PAGE);
    await until(page, (n) => window.__msTest.shown('#leaks').length === n, full);
    const n = await rowCount();
    check(`${name}: clearing #leaks-search shows ${full} rows again`, n === full, `${n} rows`);
  }
  // paging
  if (active <= LEAKS_PER_PAGE) {
    skip(`${name}: #leaks-next/#leaks-prev`, `${active} leaks fit one page`);
    return;
  }
  const have = await page.evaluate(() => ['#leaks-next', '#leaks-prev', '#leaks-page'].filter((s) => !document.querySelector(s)));
  if (!check(`${name}: #leaks-next, #leaks-prev, #leaks-page exist`, have.length === 0, `missing ${have.join(', ')}`)) return;
  const pages = Math.ceil(active / LEAKS_PER_PAGE);
  const p0 = await text(page, '#leaks-page');
  const firstRows = await page.evaluate(() => window.__msTest.shown('#leaks').map((r) => r.innerText).join('\n'));
  await clickEl(page, '#leaks-next');
  await until(page, (t) => document.querySelector('#leaks-page').innerText !== t, p0);
  const p1 = await text(page, '#leaks-page');
  const secondRows = await page.evaluate(() => window.__msTest.shown('#leaks').map((r) => r.innerText).join('\n'));
  check(`${name}: #leaks-next moves #leaks-page to "page 2 of ${pages}"`, new RegExp(`\\b2\\s+of\\s+${pages}\\b`).test(p1),
    `before ${JSON.stringify(p0)}, after ${JSON.stringify(p1)}`);
  check(`${name}: #leaks-next shows other rows`, secondRows !== firstRows && secondRows.length > 0, 'same rows after next');
  await clickEl(page, '#leaks-prev');
  await until(page, (t) => document.querySelector('#leaks-page').innerText !== t, p1);
  const p2 = await text(page, '#leaks-page');
  check(`${name}: #leaks-prev moves #leaks-page back to "page 1 of ${pages}"`, new RegExp(`\\b1\\s+of\\s+${pages}\\b`).test(p2),
    `after prev ${JSON.stringify(p2)}`);
}

// Leak groups (a page with call stacks): a click on a group lists that stack's allocations in
// the flat list, with a "Showing stack N" bar whose button clears the filter.
async function checkLeakGroupFilter(page, name, json) {
  const hasGroups = await page.evaluate(() => {
    const v = document.querySelector('#leaks-view');
    return !!v && !v.hidden;
  });
  if (!hasGroups) { skip(`${name}: leak groups click-filter`, 'no call stacks, so no groups view'); return; }
  const view0 = await attr(page, '#leaks-section', 'data-view');
  const total0 = await attr(page, 'table#leaks', 'data-total');
  await clickEl(page, '#leaks-view button[data-value="groups"]');
  await until(page, () => document.querySelector('#leaks-section').getAttribute('data-view') === 'groups');
  const groups = await page.evaluate(() => window.__msTest.shown('#leak-groups').map((r) => ({
    stack: Number(r.getAttribute('data-stack')), count: Number(r.getAttribute('data-count')), bytes: Number(r.getAttribute('data-bytes')) })));
  if (!groups.length) { skip(`${name}: leak groups click-filter`, 'no leak group'); return; }
  // a group of several allocations that fit one page, else the first
  const g = groups.find((x) => x.count > 1 && x.count <= LEAKS_PER_PAGE) || groups[0];
  const st = (json.stacks || []).find((s) => s.id === g.stack);
  if (st && st.leaked_count !== undefined) {
    check(`${name}: leak group of stack ${g.stack}: ${st.leaked_count} leaks, ${st.leaked_bytes} bytes, as the .json's stack`,
      g.count === st.leaked_count && g.bytes === st.leaked_bytes, JSON.stringify(g));
  }
  await clickEl(page, `#leak-groups tbody tr[data-stack="${g.stack}"] td:first-child`);
  await until(page, (s) => document.querySelector('#leaks').getAttribute('data-stack') === String(s), g.stack);
  const f = await page.evaluate(() => {
    const bar = document.querySelector('#leaks-stack-filter');
    return {
      view: document.querySelector('#leaks-section').getAttribute('data-view'),
      pressed: document.querySelector('#leaks-view button[data-value="flat"]').getAttribute('aria-pressed'),
      total: Number(document.querySelector('#leaks').getAttribute('data-total')),
      stack: document.querySelector('#leaks').getAttribute('data-stack'),
      rows: window.__msTest.shown('#leaks').length, bytes: window.__msTest.sum('#leaks'),
      bar: !bar.hidden && bar.getClientRects().length > 0, text: bar.innerText,
      focus: document.activeElement && document.activeElement.id,
    };
  });
  check(`${name}: a click on the group of stack ${g.stack} shows the flat list of its ${g.count} allocations (${g.bytes} bytes)`,
    f.view === 'flat' && f.pressed === 'true' && f.total === g.count && f.rows === Math.min(g.count, LEAKS_PER_PAGE) &&
    (g.count > LEAKS_PER_PAGE || f.bytes === g.bytes), JSON.stringify(f));
  check(`${name}: ... with a visible "Showing stack ${g.stack}" bar and its Clear filter button focused`,
    f.bar && f.text.startsWith(`Showing stack ${g.stack} — `) && /Clear filter/.test(f.text) && f.focus === 'leaks-stack-clear', JSON.stringify(f));
  await clickEl(page, '#leaks-view button[data-value="groups"]');
  const marked = await attr(page, `#leak-groups tbody tr[data-stack="${g.stack}"]`, 'aria-current');
  check(`${name}: the groups view marks the group shown (aria-current)`, marked === 'true', `aria-current=${marked}`);
  await clickEl(page, '#leaks-view button[data-value="flat"]');
  await clickEl(page, '#leaks-stack-clear');
  await until(page, () => document.querySelector('#leaks').getAttribute('data-stack') === '');
  const c = await page.evaluate(() => ({
    total: document.querySelector('#leaks').getAttribute('data-total'), bar: document.querySelector('#leaks-stack-filter').hidden,
    view: document.querySelector('#leaks-section').getAttribute('data-view') }));
  check(`${name}: Clear filter lists every live allocation again (${total0}) and hides the bar`,
    c.total === total0 && c.bar === true && c.view === 'flat', JSON.stringify(c));
  await clickEl(page, `#leaks-view button[data-value="${view0}"]`);
}

async function checkOther(page, name, json) {
  // flame graph
  const stacks = (json.stacks || []).length;
  const fg = await page.evaluate(() => {
    const e = document.querySelector('div#flamegraph');
    return e && { frames: e.getAttribute('data-frames'), empty: e.getAttribute('data-empty') };
  });
  if (stacks > 0) {
    check(`${name}: #flamegraph[data-frames] > 0 (${stacks} stacks in the .json)`, fg && Number(fg.frames) > 0, `got ${JSON.stringify(fg)}`);
  } else {
    check(`${name}: #flamegraph[data-empty="true"] (no stacks)`, fg && fg.empty === 'true', `got ${JSON.stringify(fg)}`);
  }
  // threads table
  const threads = json.threads || [];
  const th = await page.evaluate(() => {
    const rows = window.__msTest.shown('#threads');
    return rows && { n: rows.length, text: document.querySelector('#threads').innerText };
  });
  if (check(`${name}: table#threads exists`, th !== null, 'no table#threads')) {
    if (threads.length) {
      check(`${name}: table#threads has ${threads.length} rows`, th.n === threads.length, `${th.n} rows`);
      const missing = threads.filter((t) => t.thread_name && !norm(th.text).includes(norm(t.thread_name))).map((t) => t.thread_name);
      check(`${name}: table#threads names every thread`, missing.length === 0, `missing ${JSON.stringify(missing)}`);
    }
  }
  // timeline
  const tl = await page.evaluate(() => {
    const c = document.querySelector('canvas#timeline');
    return c && { w: c.width, h: c.height };
  });
  check(`${name}: canvas#timeline exists with a size`, tl && tl.w > 0 && tl.h > 0, `got ${JSON.stringify(tl)}`);
  // system metrics
  const snaps = (json.system_snapshots || []).length;
  if (snaps > 0) {
    const sys = await page.evaluate(() => [...document.querySelectorAll('section#system canvas[data-metric]')]
      .map((c) => ({ m: c.getAttribute('data-metric'), w: c.width, h: c.height })));
    check(`${name}: section#system has canvas[data-metric] charts (${snaps} snapshots)`,
      sys.length > 0 && sys.every((c) => c.w > 0 && c.h > 0), `got ${JSON.stringify(sys)}`);
  } else {
    skip(`${name}: section#system charts`, 'no snapshots');
  }
  // timings
  const tm = await page.evaluate(() => window.memscopeTimings);
  check(`${name}: window.memscopeTimings has numeric decode_ms and ready_ms`,
    tm && typeof tm.decode_ms === 'number' && typeof tm.ready_ms === 'number', `got ${JSON.stringify(tm)}`);
  // error box
  const err = await page.evaluate(() => {
    const e = document.querySelector('#error');
    if (!e) return null;
    const visible = !e.hidden && getComputedStyle(e).display !== 'none' && e.getClientRects().length > 0;
    return { visible, text: e.innerText };
  });
  check(`${name}: #error is not shown`, !err || !err.visible || err.text.trim() === '', `#error shows ${JSON.stringify(err && err.text)}`);
}

async function checkWindow(page, name, json, a) {
  if (!a.win) { skip(`${name}: memscopeSetWindow`, 'fewer than two events'); return; }
  const has = await page.evaluate(() => typeof window.memscopeSetWindow === 'function');
  if (!check(`${name}: window.memscopeSetWindow is a function`, has, `typeof ${await page.evaluate(() => typeof window.memscopeSetWindow)}`)) return;
  if (!(await exists(page, 'table#hotspots'))) return;
  const full = await page.evaluate(() => window.__msTest.sum('#hotspots'));
  const label0 = await text(page, '#window-label');
  const { t0, t1, bytes } = a.win;
  const res = await page.evaluate(async ([x, y]) => {
    try { await window.memscopeSetWindow(x, y); await window.__msTest.frame(); return null; } catch (e) { return String(e); }
  }, [t0, t1]);
  if (!check(`${name}: memscopeSetWindow(${t0}, ${t1}) runs`, res === null, res)) return;
  if (bytes !== full) await until(page, (f) => window.__msTest.sum('#hotspots') !== f, full);
  const inWin = await page.evaluate(() => window.__msTest.sum('#hotspots'));
  if (bytes !== a.hotBytes) {
    check(`${name}: the first-half window changes the hotspot total (${full} -> ${bytes})`, inWin !== full, `still ${inWin}`);
  } else {
    check(`${name}: the first-half window leaves the hotspot total (every allocation is in it)`, inWin === full, `${full} -> ${inWin}`);
  }
  check(`${name}: windowed hotspot total = bytes of the .json's allocations in [${t0}, ${t1}] ns (${a.win.allocs} allocations)`,
    inWin === bytes, `page ${inWin}, expected ${bytes}`);
  const label1 = await text(page, '#window-label');
  check(`${name}: #window-label changes with the window`, label1 !== null && label1 !== label0, `before ${JSON.stringify(label0)}, after ${JSON.stringify(label1)}`);
  await page.evaluate(async () => { await window.memscopeSetWindow(null); await window.__msTest.frame(); });
  await until(page, (f) => window.__msTest.sum('#hotspots') === f, full);
  const back = await page.evaluate(() => window.__msTest.sum('#hotspots'));
  const rows = await page.evaluate(() => window.__msTest.bytes('#hotspots').length);
  check(`${name}: memscopeSetWindow(null) restores the hotspot total (${full}) and rows (${(json.hotspots || []).length})`,
    back === full && rows === (json.hotspots || []).length, `total ${back}, rows ${rows}`);
  const label2 = await text(page, '#window-label');
  check(`${name}: memscopeSetWindow(null) restores #window-label`, label2 === label0, `before ${JSON.stringify(label0)}, after ${JSON.stringify(label2)}`);
}

// Hostile names: shown as text, nothing injected, no dialog.
async function checkOdd(page, name, json, control, html, controlHtml) {
  const strings = new Set();
  for (const h of json.hotspots || []) {
    strings.add(h.var_name);
    if (!/^[\w *]+$/.test(h.type_name)) strings.add(h.type_name);
    if (h.location && / /.test(h.location)) strings.add(h.location);
  }
  for (const t of json.threads || []) if (t.thread_name) strings.add(t.thread_name);
  const body = await page.evaluate(() => {
    // textContent without script/style/template: the text the page put in its DOM
    const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    let content = '';
    for (let n = w.nextNode(); n; n = w.nextNode()) if (!n.parentElement.closest('script, style, template')) content += n.data + ' ';
    return { inner: document.body.innerText, content };
  });
  for (const s of strings) {
    const shown = norm(body.inner).includes(norm(s));
    // what a page shows when it writes control characters as visible escapes instead
    const escaped = s.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) =>
      ({ '\n': '\\n', '\t': '\\t', '\r': '\\r' })[c] || `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    // the page writes control characters and line separators as visible escapes (\n, \u2028)
    // so that a name cannot hide or break a table row: that also counts as shown as text
    const visible = escaped !== s && body.inner.includes(escaped);
    check(`${name}: the page shows ${JSON.stringify(s)} as text`, shown || visible,
      norm(body.content).includes(norm(s)) ? 'in the DOM text but not in innerText (hidden?)' : 'not in the page text');
  }
  const count = (p) => p.evaluate(() => ({
    b: document.querySelectorAll('b').length,
    script: document.querySelectorAll('script').length,
    img: document.querySelectorAll('img').length,
    handlers: document.querySelectorAll('[onerror],[onload],[onclick]').length,
  }));
  const mine = await count(page);
  const theirs = await count(control.page);
  check(`${name}: b/script/img counts equal the control page's (${JSON.stringify(theirs)})`,
    mine.b === theirs.b && mine.script === theirs.script && mine.img === theirs.img, `odd page ${JSON.stringify(mine)}`);
  check(`${name}: no element with an inline event handler`, mine.handlers === 0, `${mine.handlers} elements`);
  const blocks = ['memscope-events', 'memscope-report'].map((id) =>
    new RegExp(`<script[^>]*id="${id}"[^>]*>([\\s\\S]*?)</script>`, 'i').exec(html));
  if (blocks.every((m) => m)) {
    const bad = blocks.filter((m) => /[<>&]/.test(m[1])).map((m) => m[0].slice(0, 60));
    check(`${name}: the .html's data blocks (memscope-events, memscope-report) hold no < > &`, bad.length === 0, `in ${bad.join(', ')}`);
  } else {
    note(`${name}: no memscope-events/memscope-report blocks found in the .html; their escaping is not checked`);
  }
  const closers = (s) => (s.match(/<\/script/gi) || []).length;
  check(`${name}: the .html holds as many "</script" as the control's (${closers(controlHtml)})`,
    closers(html) === closers(controlHtml), `${closers(html)}`);
}

function checkIssues(name, o) {
  check(`${name}: no console errors`, o.issues.console.length === 0, o.issues.console.slice(0, 5).join(' | '));
  check(`${name}: no page errors`, o.issues.page.length === 0, o.issues.page.slice(0, 5).join(' | '));
  check(`${name}: no requests besides the document`, o.issues.requests.length === 0, o.issues.requests.slice(0, 5).join(' | '));
  check(`${name}: no dialog opened`, o.issues.dialogs.length === 0, o.issues.dialogs.slice(0, 5).join(' | '));
}

async function screenshot(page, name, file, fullPage = true) {
  try {
    await page.screenshot({ path: file, fullPage, timeout: 30000 });
    check(`${name}: screenshot ${path.relative(ROOT, file)}`, fs.statSync(file).size > 0, 'empty file');
  } catch (e) {
    check(`${name}: screenshot ${path.relative(ROOT, file)}`, false, e.message.split('\n')[0]);
  }
}

function load(name) {
  const html = path.join(OUT, `${name}.html`);
  const jsonFile = path.join(OUT, `${name}.json`);
  if (!fs.existsSync(html) || !fs.existsSync(jsonFile)) return null;
  const text = fs.readFileSync(html, 'utf8');
  return { name, html, text, json: JSON.parse(fs.readFileSync(jsonFile, 'utf8')), embedded: embeddedReport(text) };
}

async function testExport(browser, ex, extra = {}) {
  const { name, json } = ex;
  const a = analyse(json);
  const o = await openPage(browser, ex.html);
  const when = o.readyAt !== undefined ? ` (ready at ${o.readyAt.toFixed(0)} ms)` : '';
  check(`${name}: window.memscopeReady === true within ${READY_TIMEOUT_MS / 1000} s${when}`, o.ready, o.readyError);
  if (!ex.embedded) note(`${name}: no <script id="memscope-report"> found in the .html`);
  await checkMetrics(o.page, name, json, ex.embedded);
  await checkOther(o.page, name, json);
  if (extra.control) await checkOdd(o.page, name, json, extra.control, ex.text, extra.controlText);
  if (name === 'small') await screenshot(o.page, `${name} (first screen)`, path.join(OUT, 'small-top.png'), false);
  await screenshot(o.page, name, path.join(OUT, `${name}.png`));
  await checkHotspots(o.page, name, json, a);
  await checkLeaks(o.page, name, json, a);
  await checkLeakGroupFilter(o.page, name, json);
  await checkWindow(o.page, name, json, a);
  checkIssues(name, o);
  return o;
}

// ---------------------------------------------------------------- the large export

// large.html / large.json of one .msb of more events than a page holds (tests/browser/large.c):
// the page is binned. Its report.timeline holds the live bytes of the whole run per bin (lowest,
// highest, last: checked bin for bin against the .json's events), its event records are the
// allocations live at the end (checked address for address), and it says so in a banner; the
// cards, the whole-run hotspots, the threads and the stack totals are the whole run's. A window
// zooms the timeline and selects the live allocations made in it; the hotspots stay the run's.
const exactNF = new Intl.NumberFormat('en-US', { maximumFractionDigits: 20 }); // the page's exact()
const exact = (n) => exactNF.format(n);

/* The binned timeline the .json's events give for bins of w ns (as memscope_export_html bins
   them: the value after each event, an empty bin holds the last value before it). */
function binEvents(events, w, nb) {
  const mn = new Array(nb).fill(null), mx = new Array(nb).fill(null), la = new Array(nb).fill(null);
  const na = new Array(nb).fill(0), nf = new Array(nb).fill(0);
  let cur = 0;
  for (const e of events) {
    const k = Math.min(Math.floor(e.timestamp_ns / w), nb - 1);
    cur += e.kind === 'alloc' ? e.size : -e.size;
    if (mn[k] === null) { mn[k] = cur; mx[k] = cur; }
    if (cur < mn[k]) mn[k] = cur;
    if (cur > mx[k]) mx[k] = cur;
    la[k] = cur;
    if (e.kind === 'alloc') na[k]++; else nf[k]++;
  }
  let carry = 0;
  for (let k = 0; k < nb; k++) {
    if (la[k] === null) { mn[k] = mx[k] = la[k] = carry; } else carry = la[k];
  }
  return { mn, mx, la, na, nf };
}

async function testLarge(browser) {
  const name = 'large';
  const t0 = Date.now();
  const htmlFile = path.join(OUT, 'large.html');
  const jsonFile = path.join(OUT, 'large.json');
  const html = fs.readFileSync(htmlFile, 'utf8');
  const embedded = embeddedReport(html);
  const json = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
  const events = json.events || [];
  const total = events.length;
  // the allocations live at the end, by address (the latest allocation at each)
  const live = new Map();
  for (const e of events) {
    if (e.kind === 'alloc') live.set(e.address, e);
    else live.delete(e.address);
  }
  const liveList = [...live.values()].sort((x, y) => x.timestamp_ns - y.timestamp_ns);
  const tl = embedded && embedded.timeline;
  const want = tl ? binEvents(events, tl.bin_ns, tl.bins) : null;
  const tEnd = events.length ? events[events.length - 1].timestamp_ns : 0;
  const w0 = Math.floor(tEnd / 3), w1 = Math.floor(2 * tEnd / 3);
  const liveInWin = liveList.filter((e) => e.timestamp_ns >= w0 && e.timestamp_ns <= w1).length;
  delete json.events; // a few hundred MB of objects, not needed past here
  const tRead = Date.now();
  note(`${name}: read large.html (${html.length} chars) and large.json (${total} events) in ${tRead - t0} ms`);

  // the files: more events than a page holds, none dropped, the report's counts add up
  check(`${name}: the .json holds ${exact(total)} events, more than a page holds (${exact(HTML_MAX_EVENTS)})`,
    total > HTML_MAX_EVENTS, `${total} events`);
  check(`${name}: the .json's events = total_allocations + total_deallocations (${exact(json.total_allocations)} + ${exact(json.total_deallocations)}), dropped_events 0`,
    total === json.total_allocations + json.total_deallocations && json.dropped_events === 0,
    `${total} events, ${json.total_allocations} + ${json.total_deallocations}, dropped ${json.dropped_events}`);
  check(`${name}: the binned page is small: ${exact(html.length)} characters <= 4,000,000 (every event would be about 73 MB)`,
    html.length <= 4000000, `${html.length}`);
  if (check(`${name}: the .html has its <script id="memscope-report">`, embedded !== null, 'not found or not JSON')) {
    check(`${name}: the embedded report's event_count = ${live.size} (the allocations live at the end), events_total = ${total}`,
      embedded.event_count === live.size && embedded.events_total === total,
      `event_count ${embedded.event_count}, events_total ${embedded.events_total}`);
    const same = ['total_allocations', 'total_deallocations', 'active_allocations', 'peak_memory_bytes', 'total_allocated_bytes']
      .filter((k) => embedded[k] !== json[k]);
    check(`${name}: the embedded report's totals are the .json's`, same.length === 0,
      same.map((k) => `${k}: ${embedded[k]} vs ${json[k]}`).join(', '));
    check(`${name}: live at the end from the .json's events = active_allocations (${json.active_allocations})`,
      live.size === json.active_allocations, `${live.size}`);
  }
  if (check(`${name}: the embedded report has a timeline (bins, bin_ns, events ${exact(total)}, records complete)`,
    tl && tl.bins > 100 && tl.bins <= 2048 && tl.bin_ns > 0 && tl.events === total && tl.records_complete === true &&
    tl.page_events_max === HTML_MAX_EVENTS, JSON.stringify(tl && { bins: tl.bins, bin_ns: tl.bin_ns, events: tl.events }))) {
    const bad = [];
    for (const [k, a, b] of [['live_min', tl.live_min, want.mn], ['live_max', tl.live_max, want.mx], ['live_last', tl.live_last, want.la],
      ['allocations', tl.allocations, want.na], ['frees', tl.frees, want.nf]]) {
      const at = a.findIndex((v, i) => v !== b[i]);
      if (a.length !== b.length || at >= 0) bad.push(`${k} bin ${at}: ${a[at]} vs ${b[at]}`);
    }
    check(`${name}: the ${tl.bins} bins of ${tl.bin_ns} ns are the .json's events binned (lowest, highest, last live bytes, allocations, frees)`,
      bad.length === 0, bad.join('; '));
    check(`${name}: the highest bin = peak_memory_bytes (${json.peak_memory_bytes})`,
      Math.max(...tl.live_max) === json.peak_memory_bytes, `${Math.max(...tl.live_max)}`);
    const thr = (json.threads || []).map((t) => t.thread_id).sort();
    check(`${name}: the timeline bins each of the ${thr.length} threads`,
      JSON.stringify((tl.threads || []).map((t) => t.thread_id).sort()) === JSON.stringify(thr),
      JSON.stringify((tl.threads || []).map((t) => t.thread_id)));
  }
  const recs = Buffer.from((/<script[^>]*id="memscope-events"[^>]*>([\s\S]*?)<\/script>/i.exec(html) || ['', ''])[1].trim(), 'base64');
  const addrs = [];
  for (let i = 0; i + 36 <= recs.length; i += 36) addrs.push(recs.readDoubleLE(i + 16));
  check(`${name}: the page's ${addrs.length} records are the allocations live at the end, in time order`,
    addrs.length === liveList.length && addrs.every((a, i) => a === Number(BigInt(liveList[i].address))),
    `${addrs.length} records, ${liveList.length} live`);

  const o = await openPage(browser, htmlFile, { readyTimeout: LARGE_READY_TIMEOUT_MS });
  const tReady = Date.now();
  const when = o.readyAt !== undefined ? ` (ready at ${o.readyAt.toFixed(0)} ms)` : '';
  if (!check(`${name}: window.memscopeReady === true within ${LARGE_READY_TIMEOUT_MS / 1000} s${when}`, o.ready, o.readyError)) {
    checkIssues(name, o);
    return;
  }
  const { page } = o;
  const tm = await page.evaluate(() => window.memscopeTimings);
  note(`${name}: memscopeTimings ${JSON.stringify(tm)}`);

  // the banner
  const banners = await page.evaluate(() => [...document.querySelectorAll('#banners .banner')].map((b) => ({
    text: b.innerText, role: b.getAttribute('role'), shown: !b.hidden && b.getClientRects().length > 0,
  })));
  const head = `This run has ${exact(total)} events, more than a page holds (${exact(HTML_MAX_EVENTS)}), so this page carries the run pre-binned`;
  const banner = banners.find((b) => norm(b.text).startsWith(head));
  check(`${name}: a banner says "${head}"`, banner !== undefined,
    `banners: ${JSON.stringify(banners.map((b) => b.text.slice(0, 120)))}`);
  if (banner) check(`${name}: that banner is shown, as a status`, banner.shown && banner.role === 'status', JSON.stringify(banner));
  for (const b of banners) if (b !== banner) note(`${name}: another banner: ${b.text}`);

  // the cards: the whole run's numbers, the events of the page
  const cards = await page.evaluate(() => [...document.querySelectorAll('[data-metric][data-value]')].map((c) => ({
    m: c.getAttribute('data-metric'), v: c.getAttribute('data-value'), title: c.title || '', text: c.innerText,
  })));
  const card = (m) => cards.find((c) => c.m === m);
  const expected = {};
  for (const m of METRICS) expected[m] = CLOCKED.has(m) && embedded ? embedded[m] : json[m];
  expected.thread_count = (json.threads || []).length;
  expected.event_count = total;
  for (const [m, want] of Object.entries(expected)) {
    const c = card(m);
    check(`${name}: metric ${m} = ${want}`, c !== undefined && Number(c.v) === want,
      c ? `data-value="${c.v}", expected ${want}` : `no [data-metric="${m}"][data-value] element`);
  }
  const allocs = card('total_allocations');
  check(`${name}: the Allocations card says "${exact(json.total_allocations)} allocations recorded"`,
    allocs !== undefined && allocs.title.startsWith(`${exact(json.total_allocations)} allocations recorded`),
    allocs ? `title ${JSON.stringify(allocs.title)}` : 'no card');
  const frees = card('total_deallocations');
  check(`${name}: the Frees card says "${exact(json.total_deallocations)} frees recorded"`,
    frees !== undefined && frees.title.startsWith(`${exact(json.total_deallocations)} frees recorded`),
    frees ? `title ${JSON.stringify(frees.title)}` : 'no card');
  const ev = card('event_count');
  check(`${name}: the Events card says "${exact(total)} events in the run, binned in this page"`,
    ev !== undefined && /^events\b/i.test(ev.text) && ev.title === `${exact(total)} events in the run, binned in this page`,
    ev ? `text ${JSON.stringify(ev.text)}, title ${JSON.stringify(ev.title)}` : 'no card');
  const summary = await text(page, '#summary-line');
  check(`${name}: #summary-line names the run's ${exact(total)} events`,
    summary !== null && summary.includes(`${exact(total)} events`), `text ${JSON.stringify(summary)}`);
  const label = await text(page, '#window-label');
  check(`${name}: #window-label names the run's ${exact(total)} events`,
    label !== null && label.includes(`${exact(total)} events`), `text ${JSON.stringify(label)}`);
  note(`${name}: #summary-line ${JSON.stringify(summary)}; #window-label ${JSON.stringify(label)}`);

  // whole-run tables (a whole-program run: the hotspots are by where the program allocates)
  const hs = isWholeProgram(json) ? whereGroups(json).map((g) => ({ total_size: g.bytes })) : (json.hotspots || []);
  const hb = await page.evaluate(() => window.__msTest.bytes('#hotspots'));
  const wantHb = hs.map((h) => h.total_size).sort((x, y) => x - y);
  check(`${name}: #hotspots data-bytes are the whole run's (${wantHb.join(', ')}${isWholeProgram(json) ? ': the stacks\' allocated_bytes by where frame' : ''})`,
    hb !== null && JSON.stringify([...hb].sort((x, y) => x - y)) === JSON.stringify(wantHb), `got ${JSON.stringify(hb)}`);
  const threads = json.threads || [];
  const th = await page.evaluate(() => {
    const rows = window.__msTest.shown('#threads');
    return rows && rows.map((r) => ({ text: r.innerText, titles: [...r.querySelectorAll('td')].map((d) => d.title) }));
  });
  const thMissing = threads.filter((t) => !(th || []).some((r) => r.titles.includes(`${exact(t.allocations)} allocations`) &&
    r.titles.includes(`${exact(t.deallocations)} frees`) && (!t.thread_name || norm(r.text).includes(norm(t.thread_name)))));
  check(`${name}: table#threads has the ${threads.length} thread(s) with their whole-run counts (${threads.map((t) => `${t.thread_name} ${exact(t.allocations)} allocations`).join(', ')})`,
    th !== null && th.length === threads.length && thMissing.length === 0,
    `rows ${JSON.stringify(th)}; missing ${JSON.stringify(thMissing.map((t) => t.thread_name))}`);
  const fg = await attr(page, 'div#flamegraph', 'data-frames');
  check(`${name}: #flamegraph[data-frames] > 0 (${(json.stack_hotspots || []).length} stack totals in the .json)`,
    fg !== null && Number(fg) > 0, `data-frames=${JSON.stringify(fg)}`);
  const lt = await attr(page, 'table#leaks', 'data-total');
  check(`${name}: #leaks[data-total] = ${live.size}, every allocation live at the end`,
    lt !== null && Number(lt) === live.size, `data-total=${JSON.stringify(lt)}`);
  const peak = await attr(page, 'canvas#timeline', 'data-peak');
  check(`${name}: canvas#timeline[data-peak] = peak_memory_bytes (${json.peak_memory_bytes}), from the bins`,
    peak !== null && Number(peak) === json.peak_memory_bytes, `data-peak=${JSON.stringify(peak)}`);
  const peakWarn = banners.filter((b) => /differs from the report's peak/.test(b.text));
  check(`${name}: no banner says the peak differs`, peakWarn.length === 0, JSON.stringify(peakWarn));
  // a window: the middle third of the run
  const hot0 = await page.evaluate(() => window.__msTest.sum('#hotspots'));
  const res = await page.evaluate(async ([x, y]) => {
    try { await window.memscopeSetWindow(x, y); await window.__msTest.frame(); return null; } catch (e) { return String(e); }
  }, [w0, w1]);
  if (check(`${name}: memscopeSetWindow(${w0}, ${w1}) runs`, res === null, res)) {
    const lw = await attr(page, 'table#leaks', 'data-total');
    check(`${name}: in the window, #leaks[data-total] = ${liveInWin}, the live-at-end allocations made in [${w0}, ${w1}] ns`,
      lw !== null && Number(lw) === liveInWin, `data-total=${JSON.stringify(lw)}`);
    const hot1 = await page.evaluate(() => window.__msTest.sum('#hotspots'));
    check(`${name}: in the window, the hotspots stay the whole run's (${hot0} bytes)`, hot1 === hot0, `${hot0} -> ${hot1}`);
    const wl = await text(page, '#window-label');
    check(`${name}: in the window, #window-label counts the events of the bins ("about N events (bins of ...)")`,
      wl !== null && /about [\d,]+ events \(bins of /.test(wl), JSON.stringify(wl));
    await page.evaluate(async () => { await window.memscopeSetWindow(null); await window.__msTest.frame(); });
    const lb = await attr(page, 'table#leaks', 'data-total');
    check(`${name}: memscopeSetWindow(null) restores #leaks[data-total] = ${live.size}`, lb !== null && Number(lb) === live.size, `${lb}`);
  }
  const cv = await page.evaluate(() => {
    const c = document.querySelector('canvas#timeline');
    return c && { w: c.width, h: c.height };
  });
  check(`${name}: canvas#timeline exists with a size`, cv && cv.w > 0 && cv.h > 0, `got ${JSON.stringify(cv)}`);
  const err = await page.evaluate(() => {
    const e = document.querySelector('#error');
    return e && { visible: !e.hidden && getComputedStyle(e).display !== 'none' && e.getClientRects().length > 0, text: e.innerText };
  });
  check(`${name}: #error is not shown`, !err || !err.visible || err.text.trim() === '', `#error shows ${JSON.stringify(err && err.text)}`);

  await screenshot(page, name, path.join(OUT, 'large.png'));
  checkIssues(name, o);
  note(`${name}: ${Date.now() - t0} ms in all: files ${tRead - t0} ms, navigation -> ready ${tReady - tRead} ms, checks and screenshot ${Date.now() - tReady} ms`);
}

// ---------------------------------------------------------------- whole-program mode

// `memscope run` reports: the sites are the allocation functions, with no file
const ALLOC_FNS = /^(malloc|calloc|realloc|reallocarray|free|aligned_alloc|posix_memalign|memalign|valloc|pvalloc|strdup|strndup|operator new.*|operator delete.*|new|new\[\]|mmap|munmap)$/;
function isWholeProgram(json) {
  const sites = json.sites || [];
  return sites.length > 0 && (json.stacks || []).length > 0 &&
    sites.every((x) => x.file == null && !x.type_name && ALLOC_FNS.test(String(x.var_name ?? '')));
}
// the page's label of a frame
function frameName(f) {
  let s;
  if (f && f.function) s = f.function;
  else if (f && f.module) s = `${path.basename(f.module)}+0x${(Number(f.offset) || 0).toString(16)}`;
  else s = f && f.address ? String(f.address) : '?';
  return f && f.inlined ? `${s} [inlined]` : s;
}
// the stacks' costs grouped by where frame (name and file:line, or module+offset)
function whereGroups(json) {
  const groups = new Map();
  for (const st of json.stacks || []) {
    if (!st.allocations) continue;
    const w = st.where ?? -1;
    const f = w >= 0 && w < st.frames.length ? st.frames[w] : null;
    const key = f ? `${frameName(f)}\0${f.file ? `${f.file}:${f.line}` : `${f.module}+${f.offset}`}` : '\u0001';
    const g = groups.get(key) || { name: f ? frameName(f) : null, loc: f && f.file ? `${path.basename(f.file)}:${f.line}` : null, bytes: 0, count: 0 };
    g.bytes += st.allocated_bytes;
    g.count += st.allocations;
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => b.bytes - a.bytes);
}

async function testWholeprog(browser, ex) {
  const { name, json } = ex;
  const o = await openPage(browser, ex.html);
  const { page } = o;
  if (!check(`${name}: window.memscopeReady === true`, o.ready, o.readyError)) { checkIssues(name, o); return; }
  check(`${name}: the .json is a whole-program run (sites are allocation functions: ${(json.sites || []).map((x) => x.var_name).join(', ')})`,
    isWholeProgram(json), JSON.stringify((json.sites || []).slice(0, 3)));
  const stacks = json.stacks || [];
  // the known leak: label_copy, a static strdup wrapper
  const lc = stacks.find((st) => st.where != null && st.frames[st.where].function === 'label_copy');
  if (!check(`${name}: a stack's where frame is label_copy`, lc !== undefined, 'no stack with where = label_copy')) { checkIssues(name, o); return; }
  const lcFrame = lc.frames[lc.where];
  const lcLoc = `${path.basename(lcFrame.file || '?')}:${lcFrame.line}`;

  // 1. attribution
  const groups = whereGroups(json);
  const hot = await page.evaluate(() => window.__msTest.shown('#hotspots').map((r) => ({
    text: r.innerText, bytes: Number(r.getAttribute('data-bytes')), count: Number(r.getAttribute('data-count')) })));
  check(`${name}: #hotspots has one row per where frame (${groups.length}) with the stacks' allocated_bytes`,
    hot.length === groups.length && JSON.stringify(hot.map((r) => r.bytes).sort((a, b) => a - b)) === JSON.stringify(groups.map((g) => g.bytes).sort((a, b) => a - b)),
    `rows ${JSON.stringify(hot.map((r) => r.bytes))}, want ${JSON.stringify(groups.map((g) => g.bytes))}`);
  check(`${name}: the top #hotspots row names label_copy and ${lcLoc} (${groups[0] && groups[0].bytes} bytes, ${groups[0] && groups[0].count} calls)`,
    hot.length > 0 && /\blabel_copy\b/.test(hot[0].text) && hot[0].text.includes(lcLoc) && hot[0].bytes === groups[0].bytes && hot[0].count === groups[0].count,
    `top row ${JSON.stringify(hot[0])}`);
  check(`${name}: no #hotspots row reads "malloc | unknown"`, !hot.some((r) => /^malloc\b/.test(r.text.trim())), JSON.stringify(hot.map((r) => r.text.slice(0, 40))));
  await clickEl(page, '#hotspots-by button[data-value="stack"]');
  const withAlloc = stacks.filter((st) => st.allocations > 0);
  await until(page, (n) => window.__msTest.shown('#hotspots').length === n, withAlloc.length);
  const byStack = await page.evaluate(() => window.__msTest.bytes('#hotspots'));
  check(`${name}: "By whole stack" shows one row per stack (${withAlloc.length}), the same total`,
    byStack.length === withAlloc.length && byStack.reduce((a, x) => a + x, 0) === withAlloc.reduce((a, st) => a + st.allocated_bytes, 0),
    `${byStack.length} rows, total ${byStack.reduce((a, x) => a + x, 0)}`);
  await clickEl(page, '#hotspots-by button[data-value="where"]');
  await until(page, (n) => window.__msTest.shown('#hotspots').length === n, groups.length);

  // 2. leaks by stack, suppressed apart, the flat list one click away
  const leaking = stacks.filter((st) => st.leaked_count > 0 && !st.suppressed).sort((a, b) => b.leaked_bytes - a.leaked_bytes);
  const suppressed = stacks.filter((st) => st.leaked_count > 0 && st.suppressed);
  const lg = await page.evaluate(() => window.__msTest.shown('#leak-groups').map((r) => ({
    text: r.innerText, bytes: Number(r.getAttribute('data-bytes')), count: Number(r.getAttribute('data-count')), stack: Number(r.getAttribute('data-stack')) })));
  check(`${name}: #leak-groups shows the ${leaking.length} leaking stacks that are not suppressed, largest first`,
    lg.length === leaking.length && lg.every((r, i) => r.bytes === leaking[i].leaked_bytes && r.count === leaking[i].leaked_count),
    `rows ${JSON.stringify(lg.map((r) => [r.stack, r.count, r.bytes]))}, want ${JSON.stringify(leaking.map((st) => [st.id, st.leaked_count, st.leaked_bytes]))}`);
  check(`${name}: the top leak group is label_copy at ${lcLoc}: ${lc.leaked_count} leaks, ${lc.leaked_bytes} bytes`,
    lg.length > 0 && /\blabel_copy\b/.test(lg[0].text) && lg[0].text.includes(lcLoc) && lg[0].stack === lc.id && lg[0].count === lc.leaked_count,
    `top ${JSON.stringify(lg[0])}`);
  const sup = await page.evaluate(() => {
    const d = document.querySelector('details#leaks-suppressed');
    return d && { hidden: d.hidden, open: d.open, count: Number(d.getAttribute('data-count')), bytes: Number(d.getAttribute('data-bytes')),
      summary: d.querySelector('summary').innerText, rows: d.querySelectorAll('tbody tr').length };
  });
  const supBytes = suppressed.reduce((a, st) => a + st.leaked_bytes, 0);
  const supCount = suppressed.reduce((a, st) => a + st.leaked_count, 0);
  check(`${name}: suppressed leaks are apart, collapsed: ${supCount} leaks, ${supBytes} bytes from ${suppressed.length} stacks (${suppressed.map((st) => st.suppressed).join(', ')})`,
    suppressed.length > 0 && sup && !sup.hidden && !sup.open && sup.count === supCount && sup.bytes === supBytes && sup.rows === suppressed.length &&
    sup.summary.includes(exact(supBytes)) && !lg.some((r) => suppressed.some((st) => st.id === r.stack)),
    JSON.stringify(sup));
  // sorting the groups by a click on a column head: the .json's values in that order (ties:
  // most bytes first, then the stack id), numbers largest first on the first click
  const heads = await page.evaluate(() => [...document.querySelectorAll('#leak-groups th[data-sort]')].map((t) => [t.getAttribute('data-sort'), t.getAttribute('aria-sort')]));
  check(`${name}: #leak-groups sorts by where, loc, count, bytes, first, last; bytes descending at first`,
    JSON.stringify(heads.map((h) => h[0])) === JSON.stringify(['where', 'loc', 'count', 'bytes', 'first', 'last']) &&
    heads.every(([k, v]) => v === (k === 'bytes' ? 'descending' : 'none')), JSON.stringify(heads));
  const coll = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
  const field = { count: (s) => s.leaked_count, bytes: (s) => s.leaked_bytes, first: (s) => s.first_leak_ns, last: (s) => s.last_leak_ns };
  const expectOrder = (key, dir) => [...leaking].sort((a, b) => {
    const c = key === 'where' ? coll.compare(frameName(a.frames[a.where]), frameName(b.frames[b.where])) : field[key](a) - field[key](b);
    return c * dir || b.leaked_bytes - a.leaked_bytes || b.leaked_count - a.leaked_count || a.id - b.id;
  }).map((s) => s.id);
  for (const [key, dir] of [['count', -1], ['count', 1], ['first', -1], ['last', -1], ['last', 1], ['where', 1], ['where', -1], ['bytes', -1]]) {
    const before = await page.evaluate(() => window.__msTest.shown('#leak-groups').map((r) => r.getAttribute('data-stack')).join());
    const sortNow = await attr(page, `#leak-groups th[data-sort="${key}"]`, 'aria-sort');
    await clickEl(page, `#leak-groups th[data-sort="${key}"]`);
    await until(page, ([k, b, s]) => document.querySelector(`#leak-groups th[data-sort="${k}"]`).getAttribute('aria-sort') !== s ||
      window.__msTest.shown('#leak-groups').map((r) => r.getAttribute('data-stack')).join() !== b, [key, before, sortNow]);
    const got = await page.evaluate(() => window.__msTest.shown('#leak-groups').map((r) => Number(r.getAttribute('data-stack'))));
    const aria = await attr(page, `#leak-groups th[data-sort="${key}"]`, 'aria-sort');
    const want = expectOrder(key, dir);
    check(`${name}: clicking #leak-groups "${key}" sorts the groups ${dir < 0 ? 'descending' : 'ascending'}: stacks ${want.join(', ')}`,
      JSON.stringify(got) === JSON.stringify(want) && aria === (dir < 0 ? 'descending' : 'ascending'), `got ${got.join(', ')}, aria-sort ${aria}`);
  }
  // the label_copy group, by the keyboard: its 30 allocations one by one
  await page.focus(`#leak-groups tbody tr[data-stack="${lc.id}"]`);
  await page.keyboard.press('Enter');
  await until(page, (s) => document.querySelector('#leaks').getAttribute('data-stack') === String(s), lc.id);
  const lf = await page.evaluate(() => ({ total: Number(document.querySelector('#leaks').getAttribute('data-total')),
    bytes: window.__msTest.sum('#leaks'), text: document.querySelector('#leaks-stack-filter').innerText,
    stacks: window.__msTest.shown('#leaks').map((r) => r.lastElementChild.title.split('\n').some((l) => /^label_copy\b/.test(l))) }));
  const barHead = `Showing stack ${lc.id} — label_copy (${lcLoc}): ${lc.leaked_count} allocations`;
  check(`${name}: Enter on the label_copy group lists its ${lc.leaked_count} allocations (${lc.leaked_bytes} bytes), each of that stack; the bar says "${barHead}"`,
    lf.total === lc.leaked_count && lf.bytes === lc.leaked_bytes && lf.stacks.length === lc.leaked_count && lf.stacks.every(Boolean) && lf.text.startsWith(barHead),
    JSON.stringify({ ...lf, stacks: lf.stacks.length }));
  await page.evaluate(() => document.querySelector('#leaks-section').scrollIntoView());
  await screenshot(page, `${name} (the flat list filtered to label_copy's stack)`, path.join(OUT, 'wholeprog-leak-filter.png'), false);
  await clickEl(page, '#leaks-stack-clear');
  await until(page, () => document.querySelector('#leaks').getAttribute('data-stack') === '');
  await clickEl(page, '#leaks-view button[data-value="groups"]');
  await page.evaluate(() => document.querySelector('#leaks-section').scrollIntoView());
  await screenshot(page, `${name} (leak groups)`, path.join(OUT, 'wholeprog-leak-groups.png'), false);
  await clickEl(page, '#leaks-view button[data-value="flat"]');
  const flatN = Math.min(json.active_allocations, LEAKS_PER_PAGE);
  await until(page, (n) => window.__msTest.shown('#leaks').length === n, flatN);
  const flat = await page.evaluate(() => ({ n: window.__msTest.shown('#leaks').length, total: document.querySelector('#leaks').getAttribute('data-total') }));
  check(`${name}: one click on "Every allocation" shows the flat list (${flatN} rows, data-total ${json.active_allocations})`,
    flat.n === flatN && Number(flat.total) === json.active_allocations, JSON.stringify(flat));
  await clickEl(page, '#leaks-view button[data-value="groups"]');

  // 3. cost views: the root total of each, top-down and bottom-up
  const withFrames = stacks.filter((st) => st.frames.length > 0);
  const sum = (f) => withFrames.reduce((a, st) => a + f(st), 0);
  const want = {
    bytes: sum((st) => st.allocated_bytes), count: sum((st) => st.allocations),
    leaked: sum((st) => (st.suppressed ? 0 : st.leaked_bytes)), peak: sum((st) => st.peak_bytes), temporary: sum((st) => st.temporary),
  };
  const totals = {};
  for (const m of Object.keys(want)) {
    await page.selectOption('#flame-metric', m);
    await until(page, (x) => document.querySelector('#flamegraph').getAttribute('data-metric') === x, m);
    const f = await page.evaluate(() => ({ ...window.memscopeFlame(), attr: document.querySelector('#flamegraph').getAttribute('data-total') }));
    totals[m] = f.total;
    check(`${name}: cost view "${m}": the flame graph's root total is ${want[m]}`, f.metric === m && f.total === want[m] && Number(f.attr) === want[m],
      `metric ${f.metric}, total ${f.total}, data-total ${f.attr}`);
  }
  check(`${name}: the cost views differ (${JSON.stringify(totals)})`, new Set(Object.values(totals)).size === Object.keys(totals).length, JSON.stringify(totals));
  await page.selectOption('#flame-metric', 'bytes');
  await page.selectOption('#flame-direction', 'bottom');
  await until(page, () => document.querySelector('#flamegraph').getAttribute('data-direction') === 'bottom');
  const bu = await page.evaluate(() => window.memscopeFlame());
  const inner = new Map();
  for (const st of withFrames) if (st.allocated_bytes) inner.set(frameName(st.frames[0]), (inner.get(frameName(st.frames[0])) || 0) + st.allocated_bytes);
  check(`${name}: bottom-up: the root's children are the innermost frames (${[...inner.keys()].join(', ')}) with their bytes`,
    bu.direction === 'bottom' && bu.total === want.bytes && bu.children.length === inner.size && bu.children.every((c) => inner.get(c.name) === c.value),
    `children ${JSON.stringify(bu.children)}`);
  await page.selectOption('#flame-metric', 'leaked');
  await until(page, () => document.querySelector('#flamegraph').getAttribute('data-metric') === 'leaked');
  const bul = await page.evaluate(() => window.memscopeFlame());
  check(`${name}: bottom-up leaked: the frames below the root include label_copy's innermost frame ${frameName(lc.frames[0])}`,
    bul.total === want.leaked && bul.children.some((c) => c.name === frameName(lc.frames[0])), JSON.stringify(bul.children));

  // 4. words of whole-program mode
  const body = await page.evaluate(() => document.body.innerText);
  for (const bad of ['UNTRACK', 'that tracked', 'memscope_with_system_monitoring', 'TRACK calls', 'live tracked']) {
    check(`${name}: the page does not say "${bad}" (TRACK's words)`, !body.includes(bad), 'found in the page text');
  }
  if (!(json.system_snapshots || []).length) {
    const sn = await text(page, '#system-note');
    check(`${name}: the System panel points to memscope run --monitor`, sn !== null && sn.includes('--monitor'), `text ${JSON.stringify(sn)}`);
  }
  await checkOther(page, name, json);
  // screenshots of the new views: the whole page, then the by-stack rows, the suppressed
  // leaks open and the bottom-up graph of leaked bytes
  await screenshot(page, name, path.join(OUT, 'wholeprog.png'));
  await clickEl(page, '#hotspots-by button[data-value="stack"]');
  await page.evaluate(() => { document.querySelector('#leaks-suppressed').open = true; });
  await page.evaluate(() => window.__msTest.frame());
  await screenshot(page, `${name} (by stack, suppressed open, bottom-up leaked)`, path.join(OUT, 'wholeprog-views.png'));
  checkIssues(name, o);

  // inlined frames: the report of this machine has none yet (no .debug_info reader), so a
  // copy of the page gets one: label_copy's call in main marked as inlined into main
  const r = embeddedReport(ex.text);
  if (r && lc.where + 1 < lc.frames.length) {
    const st = r.stacks.find((x) => x.id === lc.id);
    const caller = st.frames[lc.where + 1];
    st.frames.splice(lc.where + 1, 0, { ...caller, function: 'make_label', inlined: true });
    const page2 = ex.text.replace(/(<script[^>]*id="memscope-report"[^>]*>)[\s\S]*?(<\/script>)/i,
      (m0, a, b) => a + JSON.stringify(r).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029') + b);
    const file2 = path.join(OUT, 'wholeprog-inlined.html');
    fs.writeFileSync(file2, page2);
    const o2 = await openPage(browser, file2);
    const names = o2.ready ? await o2.page.evaluate(() => Object.keys(window.memscopeFlame().names)) : [];
    check(`${name} (an inlined frame): the flame graph shows "make_label [inlined]" as a frame of its own`,
      names.includes('make_label [inlined]') && names.includes(frameName(caller)), `names ${JSON.stringify(names.slice(0, 30))}`);
    checkIssues(`${name} (an inlined frame)`, o2);
  } else {
    skip(`${name}: inlined frame`, 'no embedded report or label_copy has no caller');
  }
}

// ---------------------------------------------------------------- memscope diff --html

// diff.html: `memscope diff diff-r1.msb diff-r2.msb --html`, two runs of tests/report/leak_prog.c
// (argument 1, then 2: label_copy's 40 labels of 301 bytes, 30 of them leaked, doubled);
// diff-rev.html the same the other way round; diff-odd.html with a BASE file whose path holds
// quotes, '&', a byte that is not UTF-8 and "</script>". diff-rK.json: each run's JSON report.
// Relies on: window.memscopeDiffReady, window.memscopeDiffFlame(), #runs dd, #cards
// .card[data-metric][data-base][data-new], #metric button[data-value], #flamegraph[data-metric]
// [data-frames][data-total], table#diff-table rows [data-growth][data-base][data-new][data-where].
const LEAK_BYTES = 9030; // label_copy's leak with argument 1: 30 blocks of 301 bytes
// A run killed by SIGKILL (its file has no END) against the complete wholeprog run: only the
// first says so in a banner and on its cards.
async function testKilled(browser, ex, complete) {
  for (const [name, e, cut] of [['killed', ex, true], ['wholeprog (complete)', complete, false]]) {
    const cx = e.json.context || {};
    check(`${name}: the JSON's context says complete ${!cut} (exit_signal ${cx.exit_signal})`,
      cx.complete === !cut && (cut ? cx.exit_signal === 9 : cx.exit_signal === null), JSON.stringify(cx));
    const o = await openPage(browser, e.html);
    if (!check(`${name}: window.memscopeReady === true`, o.ready, o.readyError)) { checkIssues(name, o); continue; }
    const { page } = o;
    const got = await page.evaluate(() => ({
      banners: [...document.querySelectorAll('#banners .banner')].map((b) => b.innerText),
      active: (document.querySelector('.card[data-metric="active_allocations"]') || {}).innerText || '',
      current: (document.querySelector('.card[data-metric="current_memory_bytes"]') || {}).innerText || '',
    }));
    const said = got.banners.some((b) => b.startsWith('The run did not end normally (ended by signal 9)') && b.includes('not freed when it stopped'));
    check(`${name}: ${cut ? 'a' : 'no'} banner says the run did not end normally`, said === cut, JSON.stringify(got.banners));
    const stopped = /when it stopped/i.test(got.active) && /live when it stopped/.test(got.current);
    const atEnd = /Active \(leaks\)/i.test(got.active) && /live at the end/.test(got.current);
    check(`${name}: the Active and Current cards say "${cut ? 'when it stopped' : 'at the end'}"`, cut ? stopped && !atEnd : atEnd && !stopped,
      JSON.stringify([got.active, got.current]));
    if (cut) await screenshot(page, name, path.join(OUT, 'killed.png'), false);
    checkIssues(name, o);
  }
}

async function testDiff(browser) {
  const name = 'diff';
  const f = (x) => path.join(OUT, x);
  const r1 = JSON.parse(fs.readFileSync(f('diff-r1.json'), 'utf8'));
  const r2 = JSON.parse(fs.readFileSync(f('diff-r2.json'), 'utf8'));
  const src = fs.readFileSync(path.join(ROOT, 'tests', 'report', 'leak_prog.c'), 'utf8').split('\n');
  const line = src.findIndex((l) => l.includes('LEAK-LINE')) + 1;
  const lcOf = (j) => j.stacks.find((st) => st.where != null && st.frames[st.where].function === 'label_copy');
  const lc1 = lcOf(r1);
  const lc2 = lcOf(r2);
  check(`${name}: the runs' label_copy stacks leak ${LEAK_BYTES} and ${2 * LEAK_BYTES} bytes, allocate 12040 and 24080`,
    lc1 && lc2 && lc1.leaked_bytes === LEAK_BYTES && lc2.leaked_bytes === 2 * LEAK_BYTES && lc1.allocated_bytes === 12040 && lc2.allocated_bytes === 24080,
    JSON.stringify([lc1 && lc1.leaked_bytes, lc2 && lc2.leaked_bytes]));
  const o = await openPage(browser, f('diff.html'), { readyName: 'memscopeDiffReady' });
  const { page } = o;
  if (!check(`${name}: window.memscopeDiffReady === true`, o.ready, o.readyError)) { checkIssues(name, o); return; }
  const runs = await page.evaluate(() => [...document.querySelectorAll('#runs dd')].map((d) => d.textContent));
  check(`${name}: the header names BASE and NEW`, runs.length === 2 && runs[0].endsWith('diff-r1.msb') && runs[1].endsWith('diff-r2.msb'), JSON.stringify(runs));
  const cards = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('#cards .card')].map((c) =>
    [c.getAttribute('data-metric'), [Number(c.getAttribute('data-base')), Number(c.getAttribute('data-new'))]])));
  for (const [k, j] of [['allocated', 'total_allocated_bytes'], ['allocations', 'total_allocations'], ['peak', 'peak_memory_bytes'], ['live', 'current_memory_bytes']]) {
    check(`${name}: card ${k}: ${r1[j]} -> ${r2[j]} (the runs' ${j})`, cards[k] && cards[k][0] === r1[j] && cards[k][1] === r2[j], JSON.stringify(cards[k]));
  }
  const state = () => page.evaluate(() => {
    const fg = document.querySelector('#flamegraph');
    const top = document.querySelector('#diff-table tbody tr');
    return {
      metric: fg.getAttribute('data-metric'), frames: Number(fg.getAttribute('data-frames')), total: Number(fg.getAttribute('data-total')),
      pressed: [...document.querySelectorAll('#metric button[aria-pressed="true"]')].map((b) => b.getAttribute('data-value')),
      canvas: !!fg.querySelector('canvas') && fg.querySelector('canvas').height > 0,
      top: top && { growth: Number(top.getAttribute('data-growth')), base: Number(top.getAttribute('data-base')), new: Number(top.getAttribute('data-new')),
        where: top.getAttribute('data-where'), text: top.innerText },
      rows: document.querySelectorAll('#diff-table tbody tr').length,
    };
  });
  const sumStacks = (j, fn) => j.stacks.reduce((a, st) => a + fn(st), 0);
  // the page opens on leaked bytes (they grew): label_copy's stack first, +9030 (9030 -> 18060)
  const s0 = await state();
  const wantLeak = sumStacks(r2, (st) => (st.suppressed ? 0 : st.leaked_bytes));
  check(`${name}: opens on leaked bytes; the flame graph is drawn (data-frames > 0) with NEW's ${wantLeak} leaked bytes at its root`,
    s0.metric === 'leak' && JSON.stringify(s0.pressed) === '["leak"]' && s0.frames > 0 && s0.canvas && s0.total === wantLeak, JSON.stringify(s0));
  const leakRow = `label_copy leak_prog.c:${line}`;
  check(`${name}: the top growth row is ${leakRow}: +${LEAK_BYTES} (${LEAK_BYTES} -> ${2 * LEAK_BYTES} bytes), allocations 40 -> 80, the only one that changed`,
    s0.top && s0.top.growth === LEAK_BYTES && s0.top.base === LEAK_BYTES && s0.top.new === 2 * LEAK_BYTES && s0.top.where === 'label_copy' &&
    s0.top.text.includes(`leak_prog.c:${line}`) && s0.top.text.includes('40 → 80') && s0.rows === 1, JSON.stringify(s0.top) + ` rows ${s0.rows}`);
  const fl = await page.evaluate(() => window.memscopeDiffFlame());
  const node = (n) => fl.nodes.find((x) => x.name === n);
  const lcn = node('label_copy');
  const cmpn = fl.nodes.filter((x) => x.name === 'cmp_remember');
  const cmpSum = (k) => cmpn.reduce((a, x) => a + x[k], 0);
  check(`${name}: the label_copy frame is red, ${LEAK_BYTES} -> ${2 * LEAK_BYTES}; cmp_remember's frames (120 bytes in both) grey`,
    lcn && lcn.base === LEAK_BYTES && lcn.new === 2 * LEAK_BYTES && /^hsl\(0,/.test(lcn.color) && cmpn.length > 0 && cmpSum('base') === 120 &&
    cmpSum('new') === 120 && cmpn.every((x) => /^hsl\(210,/.test(x.color)), JSON.stringify([lcn, cmpn]));
  // the other values
  const views = [
    ['alloc', 'allocated bytes', 12040, 12040, 24080, sumStacks(r2, (st) => st.allocated_bytes)],
    ['peak', 'peak bytes', LEAK_BYTES, LEAK_BYTES, 2 * LEAK_BYTES, sumStacks(r2, (st) => st.peak_bytes)],
    ['count', 'allocations', 40, 40, 80, sumStacks(r2, (st) => st.allocations)],
  ];
  for (const [m, label, g, b, n, total] of views) {
    await clickEl(page, `#metric button[data-value="${m}"]`);
    await until(page, (x) => document.querySelector('#flamegraph').getAttribute('data-metric') === x, m);
    const s = await state();
    check(`${name}: ${label}: the top growth row is label_copy, +${g} (${b} -> ${n}); the root holds NEW's ${total}`,
      JSON.stringify(s.pressed) === JSON.stringify([m]) && s.top && s.top.growth === g && s.top.base === b && s.top.new === n &&
      s.top.where === 'label_copy' && s.frames > 0 && s.total === total, JSON.stringify(s));
  }
  await clickEl(page, '#metric button[data-value="leak"]');
  await until(page, () => document.querySelector('#flamegraph').getAttribute('data-metric') === 'leak');
  // a frame's tooltip: hover the middle of the label_copy box
  const box = await page.evaluate(() => {
    const c = document.querySelector('#flamegraph canvas').getBoundingClientRect();
    return { x: c.left, y: c.top, w: c.width };
  });
  const depth = lcn ? lcn.depth : 0;
  await page.mouse.move(box.x + 20, box.y + depth * 18 + 9);
  await until(page, () => !document.querySelector('#tooltip').hidden);
  const tip = await page.evaluate(() => document.querySelector('#tooltip').innerText);
  check(`${name}: hovering the label_copy frame shows BASE, NEW and the change`,
    tip.startsWith('label_copy') && tip.includes(`leak_prog.c:${line}`) && tip.includes('BASE 8.82 KiB → NEW 17.6 KiB') && tip.includes('+8.82 KiB (+100%)'), JSON.stringify(tip));
  await page.mouse.move(0, 0);
  await screenshot(page, name, f('diff.png'));
  checkIssues(name, o);

  // the other way round: label_copy shrank (blue), nothing grew, so the page opens on allocated bytes
  const o2 = await openPage(browser, f('diff-rev.html'), { readyName: 'memscopeDiffReady' });
  if (check(`${name} (reversed): window.memscopeDiffReady === true`, o2.ready, o2.readyError)) {
    const st2 = await o2.page.evaluate(() => {
      const top = document.querySelector('#diff-table tbody tr');
      const n = window.memscopeDiffFlame().nodes.find((x) => x.name === 'label_copy');
      return { metric: document.querySelector('#flamegraph').getAttribute('data-metric'), growth: top && Number(top.getAttribute('data-growth')),
        cls: top && top.children[1].className, node: n };
    });
    check(`${name} (reversed): opens on allocated bytes; label_copy -12040, its frame blue`,
      st2.metric === 'alloc' && st2.growth === -12040 && /shrank/.test(st2.cls) && st2.node && /^hsl\(214,/.test(st2.node.color), JSON.stringify(st2));
    await screenshot(o2.page, `${name} (reversed)`, f('diff-rev.png'), false);
  }
  checkIssues(`${name} (reversed)`, o2);

  // a BASE path with quotes, '&', an invalid UTF-8 byte and "</script>": shown as text, the data
  // block intact
  const oddText = fs.readFileSync(f('diff-odd.html'), 'latin1');
  check(`${name} (odd path): the page holds "</script>" only where its two script elements end`,
    oddText.split('</script>').length - 1 === 2 && !/[\x80-\xff]/.test(oddText.slice(oddText.indexOf('id="memscope-diff"'), oddText.indexOf('</script>', oddText.indexOf('id="memscope-diff"')))),
    `${oddText.split('</script>').length - 1} times`);
  const o3 = await openPage(browser, f('diff-odd.html'), { readyName: 'memscopeDiffReady' });
  if (check(`${name} (odd path): window.memscopeDiffReady === true`, o3.ready, o3.readyError)) {
    const dd = await o3.page.evaluate(() => document.querySelector('#runs dd').textContent);
    check(`${name} (odd path): BASE reads …/q"'&\\ufffd x</script>.msb`, dd.endsWith('/q"\'&\ufffd x</script>.msb'), JSON.stringify(dd));
  }
  checkIssues(`${name} (odd path)`, o3);
}

// ---------------------------------------------------------------- main

async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-dev-shm-usage'],
  });
}

// Runs fn (the tests of one export); if it throws or outlasts EXPORT_TIMEOUT_MS (a page stuck
// in a loop never answers an evaluate), reports it, closes the pages and goes on with the next.
const EXPORT_TIMEOUT_MS = 120000;
const openContexts = new Set();
async function guarded(name, fn) {
  let timer;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`did not finish within ${EXPORT_TIMEOUT_MS / 1000} s`)), EXPORT_TIMEOUT_MS);
      }),
    ]);
  } catch (e) {
    check(`${name}: the tests ran to the end`, false, e && e.message ? e.message.split('\n')[0] : String(e));
  } finally {
    clearTimeout(timer);
    for (const c of openContexts) await c.close().catch(() => {});
    openContexts.clear();
  }
}

async function runTests() {
  const browser = await launch();
  try {
    const names = ['small', 'odd', 'empty', 'sampled'];
    const exports = {};
    for (const n of [...names, 'odd-control']) {
      exports[n] = load(n);
      check(`${n}: ${n}.html and ${n}.json exist in ${path.relative(ROOT, OUT)}`, exports[n] !== null, 'missing: run tests/browser/run.sh');
    }
    if (exports.small) {
      await guarded('small', () => testExport(browser, exports.small));
      await guarded('small (dark)', async () => {
        const dark = await openPage(browser, exports.small.html, { dark: true });
        check('small (dark): window.memscopeReady === true', dark.ready, dark.readyError);
        const bg = await dark.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        note(`small (dark): body background ${bg}`);
        await screenshot(dark.page, 'small (dark)', path.join(OUT, 'small-dark.png'));
        // the first screen (1280 x 900), as the README shows it
        await screenshot(dark.page, 'small (dark, first screen)', path.join(OUT, 'small-dark-top.png'), false);
        checkIssues('small (dark)', dark);
      });
    }
    if (exports['odd-control']) {
      await guarded('odd-control', () => testExport(browser, exports['odd-control']));
      if (exports.odd) {
        await guarded('odd', async () => {
          // a freshly loaded control page gives the element counts the page makes by itself
          const fresh = await openPage(browser, exports['odd-control'].html);
          await testExport(browser, exports.odd, { control: fresh, controlText: exports['odd-control'].text });
        });
      }
    }
    for (const n of ['empty', 'sampled']) {
      if (exports[n]) await guarded(n, () => testExport(browser, exports[n]));
    }
    const wp = load('wholeprog');
    check(`wholeprog: wholeprog.html and wholeprog.json exist in ${path.relative(ROOT, OUT)}`, wp !== null, 'missing: run tests/browser/run.sh');
    if (wp) await guarded('wholeprog', () => testWholeprog(browser, wp));
    const killed = load('killed');
    check(`killed: killed.html and killed.json exist in ${path.relative(ROOT, OUT)}`, killed !== null, 'missing: run tests/browser/run.sh');
    if (killed && wp) await guarded('killed', () => testKilled(browser, killed, wp));
    const diff = ['diff.html', 'diff-rev.html', 'diff-odd.html', 'diff-r1.json', 'diff-r2.json'].every((x) => fs.existsSync(path.join(OUT, x)));
    check(`diff: diff.html, diff-rev.html, diff-odd.html, diff-r1.json and diff-r2.json exist in ${path.relative(ROOT, OUT)}`, diff, 'missing: run tests/browser/run.sh');
    if (diff) await guarded('diff', () => testDiff(browser));
    const large = ['html', 'json'].every((x) => fs.existsSync(path.join(OUT, `large.${x}`)));
    check(`large: large.html and large.json exist in ${path.relative(ROOT, OUT)}`, large, 'missing: run tests/browser/run.sh');
    if (large) await guarded('large', () => testLarge(browser));
  } finally {
    await browser.close();
  }
}

// --bench FILE: nav start -> memscopeReady, LOADS times in fresh contexts; prints key=value lines
async function runBench(file, loads) {
  const browser = await launch();
  const times = [];
  try {
    for (let i = 0; i < loads; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.addInitScript(initScript);
      const t = Date.now();
      await page.goto(pathToFileURL(file).href, { waitUntil: 'commit', timeout: 120000 });
      let ms = null;
      try {
        await page.waitForFunction(() => window.memscopeReady === true, null, { timeout: Math.max(1, 120000 - (Date.now() - t)) });
        ms = await page.evaluate(() => window.__msReadyAt ?? performance.now());
      } catch {
        ms = null;
      }
      const tm = await page.evaluate(() => window.memscopeTimings).catch(() => null);
      console.log(`load=${i + 1} ready_ms=${ms === null ? 'timeout' : ms.toFixed(1)} timings=${JSON.stringify(tm)}${errors.length ? ' errors=' + JSON.stringify(errors.slice(0, 2)) : ''}`);
      times.push(ms === null ? Infinity : ms);
      await context.close();
    }
  } finally {
    await browser.close();
  }
  const s = [...times].sort((x, y) => x - y);
  const fmt = (x) => (Number.isFinite(x) ? x.toFixed(1) : 'timeout');
  console.log(`best_ms=${fmt(s[0])}`);
  console.log(`median_ms=${fmt(s[Math.floor(s.length / 2)])}`);
}

const argv = process.argv.slice(2);
try {
  if (argv[0] === '--bench') {
    await runBench(path.resolve(argv[1]), Number(argv[2] || 3));
    process.exit(0);
  }
  await runTests();
} catch (e) {
  check('harness', false, e && e.stack ? e.stack : String(e));
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
