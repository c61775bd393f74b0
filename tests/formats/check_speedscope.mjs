// check_speedscope.mjs - check a folded-stacks file ("frame;frame;frame VALUE" per line, the input
// of flamegraph.pl) in speedscope (https://github.com/jlfwong/speedscope), the npm package's
// bundled app, in headless Chromium.
//
//   node tests/formats/check_speedscope.mjs FOLDED_FILE [--expect-total BYTES] [--screenshot OUT.png]
//
// Opens node_modules/speedscope/dist/release/index.html from build/npm over file:// (SPEEDSCOPE_HTML
// =path overrides), imports FOLDED_FILE through the landing page's file input (what its "Browse"
// button opens), and fails, exit 1 with one line "FAIL FILE: why", on
//   - a page error, a console error, a crash, a dialog (speedscope alerts "Unrecognized format!"
//     and "Successfully imported profile, but it's empty!"), its error screen ("Something went
//     wrong."), or a request that is not file:// / data: / blob: (http(s) is blocked as well);
//   - an import by another importer than the collapsed-stack one (speedscope picks it by the
//     file's name and content; it logs "Importing as collapsed stack format");
//   - a profile name (document.title, the toolbar) other than the file's base name;
//   - the "Sandwich" view's table (one row per function: Total, Self, Symbol Name; read in full
//     by scrolling its list) differing from what the file says: one row per distinct frame of the
//     samples with a value above 0, each row's Total (the values of the lines with the frame in
//     them) and Self (of the lines that end in it), and the total weight, the sum of the Self
//     column, equal to the sum of the file's values;
//   - the "Left Heavy" view's root (the outermost frame at its left, the heaviest; its hover
//     tooltip "VALUE (PCT%) NAME") other than the file's heaviest outermost frame and its value
//     (and, when every line starts with the same frame, other than the total at 100%);
//   - with --expect-total: a total (the Self sum, and the root when it is the only one) other
//     than BYTES (e.g. memscope's total_allocated_bytes);
//   - lines speedscope skips without a word (not "STACK VALUE", its /^(.*) (\d+)$/), or values
//     beyond 2^53 (it adds them as doubles).
// With --screenshot OUT.png, after the checks, the "Left Heavy" view (the flame graph: identical
// stacks merged, heaviest left) is saved as a 1400x700 PNG, without a hover tooltip, with the
// toolbar's emoji icons hidden (headless machines often have no emoji font: they come out as boxes).
// Exit 0 with one line "ok FILE: ..." otherwise; exit 2 for bad usage.
//
// Numbers are read with the en-US locale: speedscope formats a folded file's values (no unit) with
// Number.prototype.toLocaleString(), "17,141,002". Names starting with _Z, __Z or _R are demangled
// by speedscope; their rows are matched to the file's frames by their numbers.
//
// Needs playwright-core and speedscope in build/npm and Debian's /usr/bin/chromium
// (MEMSCOPE_CHROMIUM=path overrides): tests/formats/install_speedscope.sh installs them.

import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const NPM = path.join(ROOT, 'build', 'npm');
const CHROMIUM = process.env.MEMSCOPE_CHROMIUM || '/usr/bin/chromium';
const VIEWPORT = { width: 1400, height: 700 };
const LOAD_TIMEOUT_MS = 30000;  // from choosing the file to the imported profile
const UI_TIMEOUT_MS = 10000;    // one view switch, one scroll of the table
const TOTAL_TIMEOUT_MS = 180000; // the whole check

const USAGE = 'usage: node tests/formats/check_speedscope.mjs FOLDED_FILE [--expect-total BYTES] [--screenshot OUT.png]';

class Fail extends Error {}
const oneLine = (s) => String(s).replace(/\s*\n\s*/g, ' | ').slice(0, 400);
const fmt = (n) => Number(n).toLocaleString('en-US');

// ---------------------------------------------------------------- arguments

function parseArgs(argv) {
  const pos = [];
  const opt = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--expect-total') {
      const v = argv[++i];
      if (!/^[0-9]+$/.test(v || '')) return null;
      opt.expectTotal = BigInt(v);
    } else if (a === '--screenshot') {
      const v = argv[++i];
      if (!v) return null;
      opt.screenshot = v;
    } else if (a.startsWith('--')) {
      return null;
    } else {
      pos.push(a);
    }
  }
  if (pos.length !== 1) return null;
  return { file: pos[0], ...opt };
}

// ---------------------------------------------------------------- the file, read as speedscope does

// speedscope's collapsed-stack importer: each line split on "\n" (a "\r" before it stays in the
// line; /m lets $ match before it), /^(.*) (\d+)$/, frames split on ";" (the name is the key),
// parseInt; samples with value 0 are dropped; a frame's Total counts each sample once.
function model(text) {
  const lines = text.split('\n');
  const skipped = [];
  const frames = new Map(); // name -> {total, self}
  const roots = new Map();  // outermost frame -> sum
  let sum = 0n;
  let samples = 0;
  let unsafe = null;
  lines.forEach((line, i) => {
    const m = /^(.*) (\d+)$/gm.exec(line);
    if (!m) {
      if (line.trim() !== '') skipped.push(i + 1);
      return;
    }
    const v = BigInt(m[2]);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) && unsafe === null) unsafe = i + 1;
    if (v === 0n) return;
    samples++;
    sum += v;
    const stack = m[1].split(';');
    const seen = new Set();
    for (const f of stack) {
      let e = frames.get(f);
      if (!e) frames.set(f, e = { total: 0n, self: 0n });
      if (!seen.has(f)) { e.total += v; seen.add(f); }
    }
    frames.get(stack[stack.length - 1]).self += v;
    roots.set(stack[0], (roots.get(stack[0]) || 0n) + v);
  });
  return { lines: lines.length, skipped, frames, roots, sum, samples, unsafe };
}

// ---------------------------------------------------------------- the page

function loadPlaywright() {
  try {
    return createRequire(path.join(NPM, 'package.json'))('playwright-core').chromium;
  } catch (e) {
    throw new Fail(`playwright-core not found in ${NPM}: run tests/formats/install_speedscope.sh (or tests/browser/run.sh --install-only)`);
  }
}

function findSpeedscope() {
  if (process.env.SPEEDSCOPE_HTML) return { html: path.resolve(process.env.SPEEDSCOPE_HTML), version: '(SPEEDSCOPE_HTML)' };
  let pkg;
  try {
    pkg = createRequire(path.join(NPM, 'package.json')).resolve('speedscope/package.json');
  } catch {
    throw new Fail(`speedscope not found in ${NPM}: run tests/formats/install_speedscope.sh (npm install --prefix build/npm --no-audit --no-fund speedscope@1)`);
  }
  const html = path.join(path.dirname(pkg), 'dist', 'release', 'index.html');
  if (!fs.existsSync(html)) throw new Fail(`${html} not found (the speedscope package has no bundled app there)`);
  return { html, version: JSON.parse(fs.readFileSync(pkg, 'utf8')).version };
}

// In the page: the state of the app. The view tabs are the toolbar's divs whose own text (beside
// their emoji span) is "Time Order", "Left Heavy", "Sandwich"; the profile name is the toolbar's
// own text.
function pageState() {
  const own = (e) => [...e.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join('').trim();
  const tab = [...document.querySelectorAll('div')].find((d) => own(d) === 'Left Heavy' && d.querySelector('span'));
  const toolbar = tab && tab.parentElement && tab.parentElement.parentElement;
  const body = document.body ? document.body.textContent : '';
  return {
    title: document.title,
    name: toolbar ? own(toolbar) : null,
    error: body.includes('Something went wrong') ? 'speedscope shows "Something went wrong. Check the JS console for more details."' : null,
  };
}

// In the page: the rows the Sandwich table has rendered (its list is virtual: only the rows
// near the visible part are in the DOM), and where its scrolling element stands.
function sandwichSnapshot() {
  const body = [...document.querySelectorAll('table')].find((t) => t.querySelector('tr > td'));
  if (!body) return null;
  let sc = body.parentElement;
  while (sc && sc !== document.body) {
    const oy = getComputedStyle(sc).overflowY;
    if ((oy === 'auto' || oy === 'scroll') && sc.scrollHeight > sc.clientHeight + 1) break;
    sc = sc.parentElement;
  }
  if (sc === document.body) sc = null;
  const rows = [...body.querySelectorAll('tr')].filter((tr) => tr.cells.length === 3)
    .map((tr) => [...tr.cells].map((td) => td.textContent));
  const br = body.getBoundingClientRect();
  const sr = sc ? sc.getBoundingClientRect() : br;
  const atEnd = !sc || sc.scrollTop + sc.clientHeight >= sc.scrollHeight - 1;
  return {
    rows,
    scrollable: !!sc,
    top: sc ? sc.scrollTop : 0,
    client: sc ? sc.clientHeight : 0,
    height: sc ? sc.scrollHeight : 0,
    atEnd,
    // the rendered rows cover the visible part of the list
    covers: br.top <= sr.top + 1 && (br.bottom >= sr.bottom - 1 || atEnd),
  };
}

function sandwichScroll(to) {
  const body = [...document.querySelectorAll('table')].find((t) => t.querySelector('tr > td'));
  let sc = body && body.parentElement;
  while (sc && sc !== document.body) {
    const oy = getComputedStyle(sc).overflowY;
    if ((oy === 'auto' || oy === 'scroll') && sc.scrollHeight > sc.clientHeight + 1) break;
    sc = sc.parentElement;
  }
  if (sc && sc !== document.body) sc.scrollTop = to;
}

// In the page: the flame chart's canvases (the full-window WebGL one aside): the main chart is the
// tallest, and whether it has been drawn on (its labels are drawn on this 2D canvas).
function flameCanvases() {
  const cs = [...document.querySelectorAll('canvas')].map((c) => ({ c, r: c.getBoundingClientRect() }))
    .filter(({ r }) => !(r.top === 0 && r.left === 0 && r.width === window.innerWidth && r.height === window.innerHeight));
  if (cs.length < 2) return null;
  const main = cs.reduce((a, b) => (b.r.height > a.r.height ? b : a));
  let drawn = false;
  try {
    const ctx = main.c.getContext('2d');
    const d = ctx.getImageData(0, 0, main.c.width, Math.min(main.c.height, 200)).data;
    for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) { drawn = true; break; }
  } catch { drawn = null; }
  return { top: main.r.top, left: main.r.left, width: main.r.width, height: main.r.height, drawn };
}

// In the page: the flame chart's hover tooltip, "<span>VALUE (PCT%)</span> NAME", or null.
function tooltip() {
  const d = [...document.querySelectorAll('div')].find((e) => e.children.length === 1 &&
    e.firstElementChild.tagName === 'SPAN' && /^[0-9][0-9,.]* \([^)]*%\)$/.test(e.firstElementChild.textContent));
  if (!d) return null;
  const v = d.firstElementChild.textContent;
  return { value: v.replace(/ \(.*$/, ''), pct: /\(([^)]*)\)/.exec(v)[1], name: d.textContent.slice(v.length).replace(/^ /, '') };
}

const VALUE_RE = /^([0-9][0-9,]*) \(([^)]*%)\)$/;
const digits = (s) => s.replace(/,/g, '');

async function check(args) {
  if (!fs.existsSync(args.file)) throw new Fail('no such file');
  const text = fs.readFileSync(args.file, 'utf8');
  const want = model(text);
  const base = path.basename(args.file);
  if (!fs.existsSync(CHROMIUM)) throw new Fail(`${CHROMIUM} not found: run tests/formats/install_speedscope.sh (or tests/browser/run.sh --install-only)`);
  const ss = findSpeedscope();
  const chromium = loadPlaywright();

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    // speedscope draws with WebGL: without a GPU, Chromium's software WebGL (SwiftShader)
    args: ['--headless', '--no-sandbox', '--disable-dev-shm-usage', '--enable-unsafe-swiftshader'],
  });
  try {
    const context = await browser.newContext({ locale: 'en-US', viewport: VIEWPORT, deviceScaleFactor: 1, colorScheme: 'light' });
    const issues = [];
    const logs = [];
    await context.route(/^(https?|wss?|ftp):/i, (route) => {
      issues.push(`network request: ${route.request().url()}`);
      route.abort().catch(() => {});
    });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') issues.push(`console error: ${m.text()}`);
      else logs.push(m.text());
    });
    page.on('pageerror', (e) => issues.push(`page error: ${e && e.message ? e.message : String(e)}`));
    page.on('crash', () => issues.push('the page crashed'));
    page.on('dialog', (d) => { issues.push(`speedscope says (${d.type()}): ${d.message()}`); d.dismiss().catch(() => {}); });
    page.on('request', (r) => {
      const u = r.url();
      if (!/^(file|data|blob):/i.test(u) && !/^(https?|wss?|ftp):/i.test(u)) issues.push(`request: ${u}`);
    });
    const firstIssue = () => { if (issues.length) throw new Fail(oneLine(issues[0])); };
    // waits for fn(arg) in the page, failing at once on an issue or on speedscope's error screen
    const waitFor = async (fn, arg, what, timeout) => {
      const end = Date.now() + timeout;
      for (;;) {
        firstIssue();
        const st = await page.evaluate(pageState);
        if (st.error) throw new Fail(st.error);
        try {
          await page.waitForFunction(fn, arg, { timeout: 250, polling: 'raf' });
          firstIssue();
          return;
        } catch (e) {
          if (!/Timeout/i.test(e.message)) throw e;
        }
        if (Date.now() > end) {
          firstIssue();
          throw new Fail(`${what} within ${timeout / 1000} s`);
        }
      }
    };
    const frames = (n) => page.evaluate((k) => new Promise((r) => {
      const step = (i) => (i <= 0 ? r() : requestAnimationFrame(() => step(i - 1)));
      step(k);
    }), n);
    const clickTab = async (label) => {
      await page.locator(`xpath=//div[span and normalize-space(text())="${label}"]`).first().click({ timeout: UI_TIMEOUT_MS });
    };

    // ---- import
    await page.goto(pathToFileURL(ss.html).href);
    await page.waitForSelector('input[type=file]', { state: 'attached', timeout: UI_TIMEOUT_MS });
    firstIssue();
    await page.setInputFiles('input[type=file]', args.file);
    try {
      await waitFor(() => document.title.endsWith(' - speedscope'), null, 'speedscope imported nothing', LOAD_TIMEOUT_MS);
    } catch (e) {
      if (!(e instanceof Fail)) throw e;
      if (!logs.some((l) => l.startsWith('WebGL initialized'))) {
        throw new Fail(`${e.message} (and it never logged "WebGL initialized": it needs WebGL)`);
      }
      // what it tried: "Importing as ..." and "Failed to load format Error: ..." (logged, not errors)
      const tried = logs.filter((l) => l.startsWith('Importing ') || l.startsWith('Failed to load format')).map((l) => l.split('\n')[0]);
      throw new Fail(`${e.message}${tried.length ? ` (it logged: ${tried.join('; ')})` : ''}`);
    }
    const importer = logs.find((l) => l.startsWith('Importing '));
    if (want.samples === 0) throw new Fail('the file has no line "STACK VALUE" with a value above 0 (speedscope shows an empty profile)');
    if (importer !== 'Importing as collapsed stack format') {
      throw new Fail(`speedscope did not use its collapsed-stack importer: ${importer ? `"${importer}"` : 'no "Importing as ..." log'}`);
    }
    const st = await page.evaluate(pageState);
    if (st.title !== `${base} - speedscope`) throw new Fail(`document.title is "${st.title}", expected "${base} - speedscope"`);
    if (st.name !== base) throw new Fail(`the toolbar names the profile "${st.name}", expected "${base}"`);

    // ---- Sandwich: the table of every function
    await clickTab('Sandwich');
    await waitFor(() => [...document.querySelectorAll('table')].some((t) => t.querySelector('tr > td')), null,
      'the Sandwich view showed no table', UI_TIMEOUT_MS);
    const rows = new Map(); // name -> [total cell, self cell]
    let dup = null;
    let snap;
    // one pass down the list, `part` of a screen at a time: rows the virtual list had not
    // rendered yet when a loaded machine took a snapshot come round again in the next one
    const pass = async (part) => {
      let pos = 0;
      for (let iter = 0; ; iter++) {
        await page.evaluate(sandwichScroll, pos);
        await waitFor(`(${sandwichSnapshot})().covers`, null, 'the Sandwich table did not render the rows it scrolled to', UI_TIMEOUT_MS);
        snap = await page.evaluate(sandwichSnapshot);
        for (const [tot, self, name] of snap.rows) {
          const prev = rows.get(name);
          if (prev && (prev[0] !== tot || prev[1] !== self) && dup === null) dup = name;
          rows.set(name, [tot, self]);
        }
        if (snap.atEnd) break;
        if (iter > 100000) throw new Fail('the Sandwich table did not reach its end');
        pos = snap.top + Math.max(10, Math.floor(snap.client * part));
      }
    };
    await pass(1 / 2);
    // rows a busy machine rendered too late for every snapshot of the pass: a slower pass
    for (let again = 0; again < 2 && rows.size < want.frames.size; again++) await pass(1 / 8);
    firstIssue();
    if (dup !== null) throw new Fail(`the Sandwich table has two rows named "${dup}" with different numbers`);
    const got = [];
    for (const [name, [tot, self]] of rows) {
      const t = VALUE_RE.exec(tot.trim());
      const s = VALUE_RE.exec(self.trim());
      if (!t || !s) throw new Fail(`Sandwich row "${name}": Total "${tot}", Self "${self}" are not "N (P%)"`);
      got.push({ name, total: BigInt(digits(t[1])), self: BigInt(digits(s[1])), totalText: tot.trim() });
    }
    const shownSum = got.reduce((a, r) => a + r.self, 0n);
    if (shownSum !== want.sum) {
      throw new Fail(`the Sandwich table's Self column adds up to ${fmt(shownSum)}, the file's values to ${fmt(want.sum)}`);
    }
    if (got.length !== want.frames.size) {
      throw new Fail(`the Sandwich table has ${got.length} rows, the file ${want.frames.size} distinct frames`);
    }
    // every row's numbers: by name; names speedscope demangled (not in the file) by their numbers
    const unmatched = [];
    const leftover = new Map(want.frames);
    for (const r of got) {
      const w = want.frames.get(r.name);
      if (!w) { unmatched.push(r); continue; }
      leftover.delete(r.name);
      if (w.total !== r.total || w.self !== r.self) {
        throw new Fail(`Sandwich row "${r.name}": Total ${fmt(r.total)}, Self ${fmt(r.self)}; the file says ${fmt(w.total)}, ${fmt(w.self)}`);
      }
    }
    if (unmatched.length) {
      const mangled = [...leftover.keys()].filter((n) => /^(_Z|__Z|_R)/.test(n));
      const key = (x) => `${x.total}/${x.self}`;
      const a = unmatched.map(key).sort();
      const b = mangled.map((n) => key(leftover.get(n))).sort();
      if (mangled.length !== leftover.size || a.join() !== b.join()) {
        const r = unmatched.find((x) => !/^(_Z|__Z|_R)/.test(x.name)) || unmatched[0];
        throw new Fail(`the Sandwich table has a row "${r.name}" (Total ${fmt(r.total)}, Self ${fmt(r.self)}) that is no frame of the file${mangled.length ? ` nor one of its ${mangled.length} mangled names with those numbers` : ''}`);
      }
    }
    const demangled = unmatched.length;

    // ---- Left Heavy: the flame graph, its root
    await clickTab('Left Heavy');
    await waitFor(() => {
      const cs = [...document.querySelectorAll('canvas')];
      return cs.length >= 3 && ![...document.querySelectorAll('table')].some((t) => t.querySelector('tr > td'));
    }, null, 'the Left Heavy view showed no flame chart', UI_TIMEOUT_MS);
    await waitFor(`((f) => !!f && f.drawn !== false)((${flameCanvases})())`, null,
      'the Left Heavy flame chart drew nothing', UI_TIMEOUT_MS);
    const fc = await page.evaluate(flameCanvases);
    let root = null;
    for (let y = Math.ceil(fc.top) + 1; y < fc.top + Math.min(fc.height, 120) && !root; y += 3) {
      await page.mouse.move(fc.left + 3, y);
      await frames(2);
      root = await page.evaluate(tooltip);
    }
    if (!root) throw new Fail('hovering the left end of the Left Heavy chart showed no tooltip');
    const rootValue = BigInt(digits(root.value));
    const heaviest = [...want.roots.values()].reduce((a, b) => (b > a ? b : a), 0n);
    const wantRoot = want.roots.get(root.name);
    if (wantRoot !== undefined ? wantRoot !== rootValue : !/^(_Z|__Z|_R)/.test([...want.roots.keys()].find((k) => want.roots.get(k) === rootValue) || '')) {
      throw new Fail(`the Left Heavy root "${root.name}" shows ${root.value}; the file's lines starting with it add up to ${wantRoot === undefined ? '(no such outermost frame)' : fmt(wantRoot)}`);
    }
    if (rootValue !== heaviest) throw new Fail(`the Left Heavy root "${root.name}" shows ${root.value}, not the heaviest outermost frame's ${fmt(heaviest)}`);
    if (want.roots.size === 1 && root.pct !== '100%') throw new Fail(`the only root "${root.name}" shows ${root.pct}, not 100%`);

    // ---- the expected total
    if (args.expectTotal !== undefined) {
      if (shownSum !== args.expectTotal) {
        throw new Fail(`speedscope's total (the Sandwich Self column) is ${fmt(shownSum)}, expected ${fmt(args.expectTotal)}`);
      }
      if (want.roots.size === 1 && rootValue !== args.expectTotal) {
        throw new Fail(`the Left Heavy root shows ${root.value}, expected ${fmt(args.expectTotal)}`);
      }
    }

    // ---- the screenshot
    let shot = '';
    if (args.screenshot) {
      await page.mouse.move(VIEWPORT.width / 2, 2);
      await waitFor(`(${tooltip})() === null`, null, 'the hover tooltip did not go away', UI_TIMEOUT_MS);
      await page.evaluate(() => {
        for (const s of document.querySelectorAll('span')) {
          if (/^\p{Extended_Pictographic}\uFE0F?$/u.test(s.textContent.trim())) s.style.setProperty('display', 'none', 'important');
        }
      });
      await frames(3);
      firstIssue();
      fs.mkdirSync(path.dirname(path.resolve(args.screenshot)), { recursive: true });
      await page.screenshot({ path: args.screenshot, type: 'png' });
      const png = fs.readFileSync(args.screenshot);
      if (png.length < 24 || png.toString('latin1', 1, 4) !== 'PNG') throw new Fail(`${args.screenshot} is not a PNG`);
      shot = `; Left Heavy saved as ${args.screenshot} (${png.readUInt32BE(16)}x${png.readUInt32BE(20)}, ${png.length} bytes)`;
    }
    firstIssue();

    // ---- the lint: after speedscope, which is the consumer that counts
    if (want.skipped.length) {
      throw new Fail(`speedscope skips ${want.skipped.length} line(s) of the file without a word, not "STACK VALUE": line ${want.skipped.slice(0, 5).join(', ')}`);
    }
    if (want.unsafe !== null) throw new Fail(`line ${want.unsafe}: a value above 2^53, which speedscope cannot add exactly`);
    if (want.sum > BigInt(Number.MAX_SAFE_INTEGER)) throw new Fail('the values add up to more than 2^53, which speedscope cannot add exactly');

    return `speedscope ${ss.version} shows total ${fmt(shownSum)} (Sandwich: ${got.length} functions, Self column sum${demangled ? `, ${demangled} demangled names` : ''}; Left Heavy root ${root.name} ${root.value} (${root.pct})), ${want.samples} samples${args.expectTotal !== undefined ? ', = --expect-total' : ''}${shot}`;
  } finally {
    await browser.close().catch(() => {});
  }
}

const args = parseArgs(process.argv.slice(2));
if (!args) {
  console.error(USAGE);
  process.exit(2);
}
let timer;
try {
  const summary = await Promise.race([
    check(args),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Fail(`the check did not finish within ${TOTAL_TIMEOUT_MS / 1000} s`)), TOTAL_TIMEOUT_MS); }),
  ]);
  clearTimeout(timer);
  console.log(`ok ${args.file}: ${summary}`);
  process.exit(0);
} catch (e) {
  clearTimeout(timer);
  console.log(`FAIL ${args.file}: ${oneLine(e instanceof Fail ? e.message : (e && e.stack ? e.stack : e))}`);
  process.exit(1);
}
