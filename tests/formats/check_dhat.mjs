// check_dhat.mjs - check a DHAT JSON file (valgrind --tool=dhat, dhatFileVersion 2) in Valgrind's
// own viewer, dh_view.html, in headless Chromium.
//
//   node tests/formats/check_dhat.mjs FILE.json EXPECTED_TOTAL_BYTES EXPECTED_TOTAL_BLOCKS \
//        [--at-tgmax BYTES[:BLOCKS]] [--at-tend BYTES[:BLOCKS]]
//
// Opens file:///usr/libexec/valgrind/dh_view.html (DH_VIEW=path overrides), loads FILE through the
// page's file input as "Load..." does, waits until the viewer has drawn its tree (its timings
// line "Processing time: ...") or shown an error, and fails, exit 1 with one line
// "FAIL FILE: why", on
//   - a page error (an uncaught exception: the viewer rethrows every error it shows), a console
//     error, a crash or a dialog, or the viewer's error text (span.error, e.g. "Error: data file
//     is missing a field: tb", "SyntaxError: ... JSON ...", "Error loading file");
//   - "NaN", "undefined" or an infinite rate ("∞/") anywhere in the drawn tree (what the viewer
//     shows for a field it needs but does not check, e.g. "tl" with bklt, or te = 0);
//   - a root "Total:" line whose bytes and blocks differ from the expected ones (the viewer's
//     root node, "PP 1/1", sums tb and tbk over all program points; its numbers are read with
//     the en-US locale, "155,696 bytes", and compared digit for digit);
//   - with --at-tgmax / --at-tend (files with bklt only): the root's "At t-gmax:" / "At t-end:"
//     bytes (and blocks, after a colon) differing from the given ones;
//   - errors or those texts on redrawing the tree with every sort metric the viewer enables for
//     the file (and a root total that changes, where the metric shows it in full);
//   - a lint of the JSON for what the viewer accepts but should not get (see lint() below).
// Exit 0 with one line "ok FILE: ..." otherwise; exit 2 for bad usage.
//
// Needs playwright-core in build/npm and Debian's /usr/bin/chromium (MEMSCOPE_CHROMIUM=path
// overrides), as tests/browser/run.sh installs them: run that first when they are missing.

import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHROMIUM = process.env.MEMSCOPE_CHROMIUM || '/usr/bin/chromium';
const DH_VIEW = process.env.DH_VIEW || '/usr/libexec/valgrind/dh_view.html';
const LOAD_TIMEOUT_MS = 30000;   // from choosing the file to the drawn tree
const REDRAW_TIMEOUT_MS = 10000; // one redraw for another sort metric
const TOTAL_TIMEOUT_MS = 120000; // the whole check

const USAGE = 'usage: node tests/formats/check_dhat.mjs FILE.json EXPECTED_TOTAL_BYTES EXPECTED_TOTAL_BLOCKS [--at-tgmax BYTES[:BLOCKS]] [--at-tend BYTES[:BLOCKS]]';

class Fail extends Error {}
const oneLine = (s) => String(s).replace(/\s*\n\s*/g, ' | ').slice(0, 400);

// ---------------------------------------------------------------- arguments

function parseArgs(argv) {
  const pos = [];
  const opt = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--at-tgmax' || a === '--at-tend') {
      const v = argv[++i];
      const m = /^([0-9]+)(?::([0-9]+))?$/.exec(v || '');
      if (!m) return null;
      opt[a.slice(2)] = { bytes: m[1], blocks: m[2] };
    } else if (a.startsWith('--')) {
      return null;
    } else {
      pos.push(a);
    }
  }
  if (pos.length !== 3 || !/^[0-9]+$/.test(pos[1]) || !/^[0-9]+$/.test(pos[2])) return null;
  return { file: pos[0], bytes: pos[1], blocks: pos[2], opt };
}

// ---------------------------------------------------------------- lint of the JSON

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
const isCount = (v) => Number.isSafeInteger(v) && v >= 0;

// What dh_view.js requires (checkFields: it throws "data file is missing a field: X") is only
// presence; this also checks the types and the things it takes on trust.
function lint(d) {
  if (d === null || typeof d !== 'object' || Array.isArray(d)) throw new Fail('lint: the file is not a JSON object');
  if (d.dhatFileVersion !== 2) throw new Fail(`lint: dhatFileVersion is ${JSON.stringify(d.dhatFileVersion)}, not the number 2`);
  for (const f of ['mode', 'verb', 'tu', 'Mtu', 'cmd']) {
    if (typeof d[f] !== 'string') throw new Fail(`lint: "${f}" is not a string`);
  }
  for (const f of ['bklt', 'bkacc']) {
    if (typeof d[f] !== 'boolean') throw new Fail(`lint: "${f}" is not true or false`);
  }
  if (!isCount(d.pid)) throw new Fail('lint: "pid" is not a non-negative integer');
  if (!isNum(d.te) || d.te <= 0) throw new Fail(`lint: "te" is ${JSON.stringify(d.te)}, not a number above 0 (every rate is divided by it)`);
  if (d.bklt) {
    if (!isNum(d.tg) || d.tg < 0 || d.tg > d.te) throw new Fail(`lint: "tg" is ${JSON.stringify(d.tg)}, not a number in 0..te`);
    if (!isNum(d.tuth) || d.tuth < 0) throw new Fail('lint: "tuth" is not a non-negative number');
  }
  if (!Array.isArray(d.ftbl) || d.ftbl.length === 0) throw new Fail('lint: "ftbl" is not a non-empty array');
  if (d.ftbl[0] !== '[root]') throw new Fail(`lint: ftbl[0] is ${JSON.stringify(d.ftbl[0])}, not "[root]"`);
  d.ftbl.forEach((s, i) => { if (typeof s !== 'string') throw new Fail(`lint: ftbl[${i}] is not a string`); });
  if (!Array.isArray(d.pps)) throw new Fail('lint: "pps" is not an array');
  const need = ['tb', 'tbk'];
  if (d.bklt) need.push('tl', 'mb', 'mbk', 'gb', 'gbk', 'eb', 'ebk');
  if (d.bkacc) need.push('rb', 'wb');
  const seen = new Set();
  let tb = 0n, tbk = 0n;
  d.pps.forEach((pp, i) => {
    if (pp === null || typeof pp !== 'object') throw new Fail(`lint: pps[${i}] is not an object`);
    for (const f of need) {
      if (!isCount(pp[f])) throw new Fail(`lint: pps[${i}].${f} is ${JSON.stringify(pp[f])}, not a non-negative integer`);
    }
    if (d.bklt) {
      // what DHAT itself guarantees (its mb is the PP's bytes when it last allocated at a new
      // global peak, so valgrind's own files may have gb or eb above mb)
      for (const [a, b] of [['mb', 'tb'], ['gb', 'tb'], ['eb', 'tb'], ['mbk', 'tbk'], ['gbk', 'tbk'], ['ebk', 'tbk']]) {
        if (pp[a] > pp[b]) throw new Fail(`lint: pps[${i}].${a} ${pp[a]} is above ${b} ${pp[b]}`);
      }
    }
    if (!Array.isArray(pp.fs)) throw new Fail(`lint: pps[${i}].fs is not an array`);
    for (const f of pp.fs) {
      if (!Number.isInteger(f) || f < 1 || f >= d.ftbl.length) {
        throw new Fail(`lint: pps[${i}].fs has ${JSON.stringify(f)}, not an index 1..${d.ftbl.length - 1} into ftbl`);
      }
    }
    const key = pp.fs.join(',');
    if (seen.has(key)) throw new Fail(`lint: pps[${i}].fs repeats an earlier program point's frames (the viewer throws "repeated location")`);
    seen.add(key);
    if (pp.acc !== undefined && !d.bkacc) throw new Fail(`lint: pps[${i}] has "acc" but bkacc is false`);
    if (pp.acc !== undefined && !(Array.isArray(pp.acc) && pp.acc.every(Number.isInteger))) throw new Fail(`lint: pps[${i}].acc is not an array of integers`);
    tb += BigInt(pp.tb);
    tbk += BigInt(pp.tbk);
  });
  return { tb, tbk };
}

// ---------------------------------------------------------------- the page

function loadPlaywright() {
  const npm = path.join(ROOT, 'build', 'npm');
  try {
    return createRequire(path.join(npm, 'package.json'))('playwright-core').chromium;
  } catch (e) {
    throw new Fail(`playwright-core not found in ${npm}: run tests/browser/run.sh first (it installs it there), or: npm install --prefix build/npm --no-audit --no-fund playwright-core (playwright-core@1.61 with node older than 20)`);
  }
}

// In the page: the state of the viewer. Root = the first node span directly in the <pre>.
function pageState() {
  const err = document.querySelector('span.error');
  const timings = document.querySelector('.timings p');
  const pre = document.querySelector('pre');
  const root = pre && [...pre.children].find((e) => e.classList.contains('internal') || e.classList.contains('leaf'));
  const main = pre ? pre.parentElement : null;
  return {
    error: err ? err.textContent : null,
    loadError: main ? null : (document.body.textContent.includes('Error loading file') ? 'Error loading file' : null),
    drawn: !!(timings && timings.textContent.startsWith('Processing time')),
    title: document.title,
    pre: pre ? pre.textContent : '',
    root: root ? root.textContent : '',
  };
}

const NUM = '([0-9][0-9,]*(?:\\.[0-9]+)?)';
// "Total:     155,696 bytes (100%, 712,727.34/Minstr) in 253 blocks (100%, 1,158.15/Minstr), ..."
const TOTAL_RE = new RegExp(`Total:\\s+${NUM} (\\S+) \\([^)]*\\) in ${NUM} (\\S+) \\(`);
// "At t-gmax: 151,300 bytes (100%) in 202 blocks (100%), avg size 749.01 bytes"
const AT_RE = (what) => new RegExp(`At ${what}:\\s+${NUM} (\\S+) \\([^)]*\\) in ${NUM} (\\S+) \\(`);

function readRoot(st, required = true) {
  if (!/PP 1\/1 /.test(st.root)) throw new Fail(`the viewer drew no root node "PP 1/1": ${oneLine(st.pre.slice(0, 200))}`);
  for (const bad of ['NaN', 'undefined', '∞/']) {
    const at = st.pre.indexOf(bad);
    if (at >= 0) {
      const line = st.pre.slice(st.pre.lastIndexOf('\n', at) + 1, st.pre.indexOf('\n', at)).trim();
      throw new Fail(`the viewer shows "${bad}": ${oneLine(line)}`);
    }
  }
  const t = TOTAL_RE.exec(st.root);
  if (!t && !required) return null;
  if (!t) throw new Fail(`no "Total:" line in the root node: ${oneLine(st.root.slice(0, 300))}`);
  const r = { bytes: t[1], bytesUnit: t[2], blocks: t[3], blocksUnit: t[4] };
  for (const w of ['t-gmax', 't-end']) {
    const m = AT_RE(w).exec(st.root);
    if (m) r[w] = { bytes: m[1], blocks: m[3] };
  }
  return r;
}

const digits = (s) => s.replace(/,/g, '');

async function check(args) {
  if (!fs.existsSync(args.file)) throw new Fail('no such file');
  if (!fs.existsSync(DH_VIEW)) throw new Fail(`${DH_VIEW} not found (it comes with valgrind)`);
  if (!fs.existsSync(CHROMIUM)) throw new Fail(`${CHROMIUM} not found: run tests/browser/run.sh first (it installs chromium)`);
  const chromium = loadPlaywright();

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-dev-shm-usage'],
  });
  try {
    // en-US: the viewer formats every number with Intl.NumberFormat(undefined, ...)
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    const issues = [];
    page.on('console', (m) => { if (m.type() === 'error') issues.push(`console error: ${m.text()}`); });
    page.on('pageerror', (e) => issues.push(`page error: ${e && e.message ? e.message : String(e)}`));
    page.on('crash', () => issues.push('the page crashed'));
    page.on('dialog', (d) => { issues.push(`dialog: ${d.message()}`); d.dismiss().catch(() => {}); });
    const firstIssue = () => { if (issues.length) throw new Fail(oneLine(issues[0])); };

    await page.goto(pathToFileURL(DH_VIEW).href);
    await page.waitForSelector('input[type=file]', { state: 'attached', timeout: 10000 });
    firstIssue();
    await page.setInputFiles('input[type=file]', args.file);
    const settled = () => {
      const err = document.querySelector('span.error');
      const t = document.querySelector('.timings p');
      return !!err || !!(t && t.textContent.startsWith('Processing time')) ||
        document.body.textContent.includes('Error loading file');
    };
    try {
      await page.waitForFunction(settled, null, { timeout: LOAD_TIMEOUT_MS, polling: 50 });
    } catch {
      firstIssue();
      throw new Fail(`the viewer drew nothing within ${LOAD_TIMEOUT_MS / 1000} s`);
    }
    let st = await page.evaluate(pageState);
    if (st.error) throw new Fail(`the viewer shows an error: ${oneLine(st.error)}`);
    if (st.loadError) throw new Fail(`the viewer shows: ${st.loadError}`);
    firstIssue();
    if (!st.drawn) throw new Fail('the viewer did not finish drawing');
    const shown = readRoot(st);

    // the expected totals
    if (digits(shown.bytes) !== args.bytes || digits(shown.blocks) !== args.blocks) {
      throw new Fail(`the viewer shows Total: ${shown.bytes} ${shown.bytesUnit} in ${shown.blocks} ${shown.blocksUnit}, expected ${Number(args.bytes).toLocaleString('en-US')} in ${Number(args.blocks).toLocaleString('en-US')}`);
    }
    for (const [w, flag] of [['t-gmax', 'at-tgmax'], ['t-end', 'at-tend']]) {
      const want = args.opt[flag];
      if (!want) continue;
      const got = shown[w];
      if (!got) throw new Fail(`the viewer shows no "At ${w}:" line (the file has bklt false?)`);
      if (digits(got.bytes) !== want.bytes || (want.blocks !== undefined && digits(got.blocks) !== want.blocks)) {
        throw new Fail(`the viewer shows At ${w}: ${got.bytes} bytes in ${got.blocks} blocks, expected ${want.bytes}${want.blocks !== undefined ? ` in ${want.blocks}` : ''}`);
      }
    }

    // every sort metric the viewer enables for this file redraws without errors
    const options = await page.$$eval('select option', (os) => os.map((o) => ({ value: o.value, label: o.label, disabled: o.disabled })));
    let metrics = 0;
    for (const o of options) {
      if (o.disabled) continue;
      await page.selectOption('select', o.value);
      try {
        await page.waitForFunction((label) => document.title.endsWith(` - ${label}`) || !!document.querySelector('span.error'),
          o.label, { timeout: REDRAW_TIMEOUT_MS, polling: 50 });
      } catch {
        firstIssue();
        throw new Fail(`sort metric "${o.label}": the viewer did not redraw within ${REDRAW_TIMEOUT_MS / 1000} s`);
      }
      st = await page.evaluate(pageState);
      if (st.error) throw new Fail(`sort metric "${o.label}": the viewer shows an error: ${oneLine(st.error)}`);
      firstIssue();
      // the root is drawn in full only where it is significant for the metric (always for the
      // default, "Total (blocks)"); elsewhere its Total line lacks the bytes
      const again = readRoot(st, false);
      if (again && (again.bytes !== shown.bytes || again.blocks !== shown.blocks)) {
        throw new Fail(`sort metric "${o.label}": the root total changed to ${again.bytes} in ${again.blocks}`);
      }
      metrics++;
    }

    // the lint: after the viewer, which is the consumer that counts
    let data;
    try {
      data = JSON.parse(fs.readFileSync(args.file, 'utf8'));
    } catch (e) {
      throw new Fail(`lint: ${oneLine(e.message)}`);
    }
    const sums = lint(data);
    if (String(sums.tb) !== args.bytes || String(sums.tbk) !== args.blocks) {
      throw new Fail(`lint: the program points add up to ${sums.tb} bytes in ${sums.tbk} blocks, the viewer showed the expected ${args.bytes} in ${args.blocks}`);
    }

    const at = ['t-gmax', 't-end'].filter((w) => shown[w]).map((w) => `, At ${w} ${shown[w].bytes} ${shown.bytesUnit} in ${shown[w].blocks} ${shown.blocksUnit}`).join('');
    return `dh_view shows Total ${shown.bytes} ${shown.bytesUnit} in ${shown.blocks} ${shown.blocksUnit}${at}; mode ${data.mode}, ${data.pps.length} program points, bklt ${data.bklt}, bkacc ${data.bkacc}, ${metrics} sort metrics drawn without errors`;
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
  console.log(`FAIL ${args.file}: ${e instanceof Fail ? e.message : oneLine(e && e.stack ? e.stack : e)}`);
  process.exit(1);
}
