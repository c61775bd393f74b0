/* memscope dashboard (tools/dashboard/app.js), inlined into the page by tools/embed_dashboard.py.

   memscope_export_html writes two data blocks into the page:
     #memscope-events  base64 of packed little-endian 36-byte records, in merged time order:
                       f64 timestamp_ns, f64 size, f64 address, u32 site id,
                       u32 thread (low 31 bits: OS thread id of the caller; bit 31: FREE), u32 stack id
     #memscope-report  the JSON report (README "JSON schema"), with events = null and
                       event_count / event_record_bytes added.
   Nothing here touches the network, and data is only ever rendered through textContent,
   attributes and canvas fillText (names may hold quotes, angle brackets, newlines, U+2028).

   Contents:
     1. errors and helpers (DOM, formatting, canvas, axes, binary search)
     2. the model: report normalisation, event decoding, alloc/free pairing, live-bytes series
     3. the time window shared by every section (window.memscopeSetWindow)
     4. sections: header and cards, timeline, system charts, hotspots, live at exit, threads,
        flame graph
     5. boot: first render, window.memscopeReady, window.memscopeTimings */
(function () {
  "use strict";

  /* ------------------------------------------------------------------ 1. errors, helpers */

  var SCRIPT_START = performance.now();   // the HTML (data blocks included) is parsed by now

  var TIMELINE_THREADS = 12;   // threads drawn as lines in the timeline (largest first)
  var PAGE_ROWS = 100;         // rows per page of the live-at-exit table
  var HOTSPOT_ROWS = 1000;     // hotspot rows built before "show all"
  var FLAME_ROW = 18;          // flame graph row height, CSS px
  var RECORD = 36;             // bytes per event record
  var BIT = {
    CPU: 1, MEMORY: 2, MEMORY_PERCENT: 4, THREADS: 8, DISK: 16, NETWORK: 32, GPU_USAGE: 64,
    GPU_MEMORY: 128, SYSTEM_CPU: 256, CPU_COUNT: 512, PEAK_RSS: 1024, SYSTEM_MEMORY: 2048, PAGE_FAULTS: 4096
  };

  function $(id) { return document.getElementById(id); }

  /* Every failure shows in the #error box and reaches the console. */
  function showError(msg) {
    var box = $("error");
    if (!box) return;
    box.hidden = false;
    box.textContent = (box.textContent ? box.textContent + "\n" : "") + "Dashboard error: " + msg;
  }
  function fail(err) {
    console.error(err);
    var msg = err && err.message ? err.message : String(err);
    window.memscopeError = msg;
    showError(msg);
  }
  /* Wraps an event handler: an exception is reported instead of vanishing. */
  function guard(fn) {
    return function () {
      try { return fn.apply(this, arguments); } catch (e) { fail(e); }
    };
  }
  window.addEventListener("error", function (e) { showError(e.message || String(e.error)); });
  window.addEventListener("unhandledrejection", function (e) {
    var r = e.reason;
    showError(r && r.message ? r.message : String(r));
  });

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function swatch(cssColor, box) {
    var s = el("span", box ? "swatch box" : "swatch");
    s.style.background = cssColor;
    s.setAttribute("aria-hidden", "true");
    return s;
  }

  /* Control characters and line separators shown as escapes, so odd names stay on one line
     and are unambiguous (the text itself is always set with textContent). */
  var CTRL = /[\u0000-\u001f\u007f\u2028\u2029]/;
  var CTRL_ALL = /[\u0000-\u001f\u007f\u2028\u2029]/g;
  function visible(s) {
    if (s === null || s === undefined) return "";
    s = String(s);
    if (!CTRL.test(s)) return s;
    return s.replace(CTRL_ALL, function (c) {
      if (c === "\n") return "\\n";
      if (c === "\t") return "\\t";
      if (c === "\r") return "\\r";
      return "\\u" + ("000" + c.charCodeAt(0).toString(16)).slice(-4);
    });
  }
  function baseName(p) {
    var i = Math.max(p.lastIndexOf("/"), p.lastIndexOf("\\"));
    return i >= 0 ? p.slice(i + 1) : p;
  }

  /* --- number formatting: short human units on screen, exact values in title tooltips --- */
  var NF = new Intl.NumberFormat("en-US", { maximumFractionDigits: 20 });
  var UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  function isNum(x) { return typeof x === "number" && isFinite(x); }
  function exact(n) { return isNum(n) ? NF.format(n) : String(n); }
  function sig(x) {
    var a = Math.abs(x);
    return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2);
  }
  function fmtBytes(b) {
    if (!isNum(b)) return "–";
    var a = Math.abs(b), i = 0;
    while (a >= 1024 && i < UNITS.length - 1) { a /= 1024; i++; }
    return (b < 0 ? "-" : "") + (i ? sig(a) : String(Math.round(a))) + " " + UNITS[i];
  }
  function fmtCount(n) {
    if (!isNum(n)) return "–";
    var a = Math.abs(n);
    if (a < 1000) return Number.isInteger(n) ? String(n) : sig(n);
    if (a < 1e6) return sig(n / 1e3) + "k";
    if (a < 1e9) return sig(n / 1e6) + "M";
    return sig(n / 1e9) + "G";
  }
  function fmtPct(p) {
    if (!isNum(p)) return "–";
    var a = Math.abs(p);
    return (a >= 100 ? p.toFixed(0) : a >= 1 || a === 0 ? p.toFixed(1) : p.toPrecision(2)) + "%";
  }
  /* Decimals that show multiples of `step` exactly (at most 6). */
  function stepDecimals(step) {
    for (var d = 0; d < 6; d++) {
      var x = step * Math.pow(10, d);
      if (Math.abs(Math.round(x) - x) < 1e-6 * Math.max(1, x)) return d;
    }
    return 6;
  }
  function fmtPctAxis(v, step) { return v.toFixed(stepDecimals(step)) + "%"; }
  function plural(n, one, many) { return exact(n) + " " + (n === 1 ? one : many || one + "s"); }
  /* "4.00 MiB" -> "4 MiB", "1.50 MiB" -> "1.5 MiB" for axis labels ("1000 KiB" stays). */
  function trimZeros(label) { return label.replace(/(\.\d*?)0+(?= )/, "$1").replace(/\.(?= )/, ""); }
  function fmtBps(b) { return isNum(b) ? fmtBytes(b) + "/s" : "–"; }
  function fmtNs(ns) {
    if (!isNum(ns)) return "–";
    var a = Math.abs(ns);
    if (a < 1e3) return Math.round(ns) + " ns";
    if (a < 1e6) return sig(ns / 1e3) + " µs";
    if (a < 1e9) return sig(ns / 1e6) + " ms";
    if (a < 120e9) return sig(ns / 1e9) + " s";
    var s = Math.round(ns / 1e9);
    return Math.floor(s / 60) + " min " + (s % 60) + " s";
  }
  /* A time with a resolution of `step` ns (a tick step, or the time one pixel spans), in the
     unit that suits a range of `span` ns (so every label of an axis shares one unit). */
  function fmtTimeAt(ns, step, span) {
    var m = Math.max(step, span || 0);
    var u = m >= 1e9 ? 1e9 : m >= 1e6 ? 1e6 : m >= 1e3 ? 1e3 : 1;
    var name = u === 1e9 ? " s" : u === 1e6 ? " ms" : u === 1e3 ? " µs" : " ns";
    return (ns / u).toFixed(stepDecimals(niceStep(step) / u)) + name;
  }
  function hex(addr) { return "0x" + addr.toString(16); }
  function pad2(n) { return (n < 10 ? "0" : "") + n; }
  function fmtDate(ms) {
    var d = new Date(ms);
    if (!isNum(ms) || isNaN(d.getTime())) return "unknown time";
    return d.getFullYear() + "-" + pad2(d.getMonth() + 1) + "-" + pad2(d.getDate()) + " " +
      pad2(d.getHours()) + ":" + pad2(d.getMinutes()) + ":" + pad2(d.getSeconds());
  }

  /* --- binary search over sorted numeric arrays (typed or plain) --- */
  function lowerBound(a, lo, hi, x) {      // first index in [lo, hi) with a[i] >= x
    while (lo < hi) { var m = (lo + hi) >>> 1; if (a[m] < x) lo = m + 1; else hi = m; }
    return lo;
  }
  function upperBound(a, lo, hi, x) {      // first index in [lo, hi) with a[i] > x
    while (lo < hi) { var m = (lo + hi) >>> 1; if (a[m] <= x) lo = m + 1; else hi = m; }
    return lo;
  }

  /* --- theme colours, read from the CSS variables of style.css --- */
  var colorCache = null;
  function colors() {
    if (colorCache) return colorCache;
    var cs = getComputedStyle(document.documentElement), c = {};
    ["fg", "muted", "border", "grid", "axis", "live", "live-fill", "rss", "peak", "brush", "s2", "s3",
      "focus", "panel", "bg", "flame-text"].forEach(function (n) { c[n] = cs.getPropertyValue("--" + n).trim() || "#888"; });
    c.threads = [];
    for (var i = 0; i < TIMELINE_THREADS; i++) c.threads.push(cs.getPropertyValue("--t" + i).trim() || "#888");
    c.font = cs.getPropertyValue("font-family") || "sans-serif";
    colorCache = c;
    return c;
  }

  /* Sizes a canvas's backing store to its CSS box times devicePixelRatio; returns a context
     that draws in CSS pixels. */
  function setupCanvas(canvas, w, h) {
    var dpr = window.devicePixelRatio || 1;
    var bw = Math.max(1, Math.round(w * dpr)), bh = Math.max(1, Math.round(h * dpr));
    if (canvas.width !== bw) canvas.width = bw;
    if (canvas.height !== bh) canvas.height = bh;
    var ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    return ctx;
  }

  /* --- axes: 1-2-5 steps (binary multiples for bytes) --- */
  function niceStep(raw) {
    if (!(raw > 0) || !isFinite(raw)) return 1;
    var p = Math.pow(10, Math.floor(Math.log10(raw))), f = raw / p;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * p;
  }
  function byteStep(raw) {
    var u = 1;
    while (raw >= 1024 * u && u < 1125899906842624) u *= 1024;
    var s = niceStep(raw / u);
    if (s >= 1000 && u < 1125899906842624) { u *= 1024; s = niceStep(raw / u); }   // 1 MiB, not 1000 KiB
    return Math.max(1, s * u);
  }
  function niceAxis(max, n, bytes) {
    if (!(max > 0) || !isFinite(max)) max = bytes ? 1000 : 1;
    var step = bytes ? byteStep(max / n) : niceStep(max / n);
    return { max: Math.ceil(max / step - 1e-9) * step, step: step };
  }

  /* Grid, y labels and time labels of a chart whose plot box is L = {l, r, t, b}. */
  function drawFrame(ctx, L, v0, v1, left, leftFmt, right, rightFmt, rightColor, nTimeTicks) {
    var C = colors();
    ctx.font = "11px " + C.font;
    ctx.lineWidth = 1;
    ctx.strokeStyle = C.grid;
    ctx.fillStyle = C.muted;
    ctx.textBaseline = "middle";
    var ph = L.b - L.t, i, y, v;
    ctx.beginPath();
    for (v = 0; v <= left.max + left.step * 1e-6; v += left.step) {
      y = Math.round(L.b - v / left.max * ph) + 0.5;
      ctx.moveTo(L.l, y); ctx.lineTo(L.r, y);
    }
    ctx.stroke();
    ctx.textAlign = "right";
    for (v = 0; v <= left.max + left.step * 1e-6; v += left.step) {
      y = L.b - v / left.max * ph;
      ctx.fillText(trimZeros(leftFmt(v, left.step)), L.l - 6, y);
    }
    if (right) {
      ctx.textAlign = "left";
      ctx.fillStyle = rightColor || C.muted;
      for (v = 0; v <= right.max + right.step * 1e-6; v += right.step) {
        y = L.b - v / right.max * ph;
        ctx.fillText(trimZeros(rightFmt(v, right.step)), L.r + 6, y);
      }
    }
    /* time axis */
    var span = v1 - v0, step = niceStep(span / nTimeTicks);
    ctx.fillStyle = C.muted;
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    ctx.beginPath();
    var first = Math.ceil(v0 / step) * step;
    for (i = 0; ; i++) {
      var t = first + i * step;
      if (t > v1 + step * 1e-6 || i > 100) break;
      var x = Math.round(L.l + (t - v0) / span * (L.r - L.l)) + 0.5;
      ctx.moveTo(x, L.t); ctx.lineTo(x, L.b);
      var lab = fmtTimeAt(t, step, span), half = ctx.measureText(lab).width / 2;
      ctx.fillText(lab, Math.min(x, L.w - 2 - half), L.b + 5);     // keep the last label inside

    }
    ctx.strokeStyle = C.grid;
    ctx.stroke();
    ctx.strokeStyle = C.axis;
    ctx.beginPath();
    ctx.moveTo(L.l, L.b + 0.5); ctx.lineTo(L.r, L.b + 0.5);
    ctx.stroke();
  }

  /* --- the shared tooltip: a list of [colour or null, text] rows under a title --- */
  function showTooltip(clientX, clientY, title, rows) {
    var tip = $("tooltip");
    clear(tip);
    tip.appendChild(el("div", "tt-title", title));
    rows.forEach(function (r) {
      var row = el("div", "tt-row");
      if (r[0]) row.appendChild(swatch(r[0], false));
      row.appendChild(el("span", null, r[1]));
      tip.appendChild(row);
    });
    tip.hidden = false;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    var x = clientX + 14, y = clientY + 14;
    if (x + w > window.innerWidth - 4) x = Math.max(4, clientX - w - 14);
    if (y + h > window.innerHeight - 4) y = Math.max(4, clientY - h - 14);
    tip.style.left = x + "px";
    tip.style.top = y + "px";
  }
  function hideTooltip() { $("tooltip").hidden = true; }

  /* --- sortable table heads: th[data-sort] with a button inside (keyboard), aria-sort --- */
  function sortableHead(table, cols, state, onChange) {
    var thead = el("thead"), tr = el("tr"), ths = [];
    cols.forEach(function (c) {
      var th = el("th", c.num ? "num" : null);
      th.scope = "col";
      if (c.title) th.title = c.title;
      if (c.key) {
        th.setAttribute("data-sort", c.key);
        var b = el("button", null, c.label);
        b.type = "button";
        th.appendChild(b);
        th.addEventListener("click", guard(function () {
          if (state.key === c.key) state.dir = -state.dir;
          else { state.key = c.key; state.dir = c.num ? -1 : 1; }
          sync();
          onChange();
        }));
        ths.push(th);
      } else {
        th.textContent = c.label;
      }
      tr.appendChild(th);
    });
    function sync() {
      ths.forEach(function (th) {
        var k = th.getAttribute("data-sort");
        th.setAttribute("aria-sort", k === state.key ? (state.dir < 0 ? "descending" : "ascending") : "none");
      });
    }
    sync();
    thead.appendChild(tr);
    table.appendChild(thead);
    var tbody = el("tbody");
    table.appendChild(tbody);
    return tbody;
  }
  /* A row of toggle buttons (aria-pressed), one value chosen: opts [[value, label, title]].
     Returns a function that sets the value shown. */
  function segmented(host, opts, value, onChange) {
    host.hidden = false;
    var bs = opts.map(function (o) {
      var b = el("button", "btn seg-btn", o[1]);
      b.type = "button";
      b.setAttribute("data-value", o[0]);
      if (o[2]) b.title = o[2];
      b.addEventListener("click", guard(function () {
        if (value === o[0]) return;
        value = o[0];
        sync();
        onChange(value);
      }));
      host.appendChild(b);
      return b;
    });
    function sync() { bs.forEach(function (b) { b.setAttribute("aria-pressed", String(b.getAttribute("data-value") === value)); }); }
    sync();
    return function (v) { value = v; sync(); };   // sets the value shown (no onChange)
  }
  function td(text, cls, title) {
    var c = el("td", cls, text);
    if (title) c.title = title;
    return c;
  }
  /* The "nothing to show" line of a table is a paragraph after it (#ID-empty), so the table
     holds data rows only. */
  function emptyNote(id, text) {
    var p = $(id + "-empty");
    p.textContent = text;
    p.hidden = !text;
  }
  var collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });
  /* Rank of each string of `list` in collation order (ties share a rank); null sorts last. */
  function ranks(list) {
    var order = list.map(function (s, i) { return i; });
    order.sort(function (a, b) {
      var x = list[a], y = list[b];
      if (x === y) return 0;
      if (x === null) return 1;
      if (y === null) return -1;
      return collator.compare(x, y);
    });
    var r = new Float64Array(list.length), k = 0;
    for (var i = 0; i < order.length; i++) {
      if (i && list[order[i]] !== list[order[i - 1]]) k++;
      r[order[i]] = k;
    }
    return r;
  }

  /* ------------------------------------------------------------------ 2. the model */

  var M = null;   // everything derived from the two data blocks

  function readReport() {
    var node = $("memscope-report");
    var text = node ? node.textContent.trim() : "";
    if (text.charAt(0) !== "{")
      throw new Error("this page holds no report: open a file written by memscope_export_html, not the template");
    var r = JSON.parse(text);
    ["hotspots", "system_snapshots", "threads", "sites", "stacks", "stack_hotspots"].forEach(function (k) {
      if (!Array.isArray(r[k])) r[k] = [];
    });
    return r;
  }

  function frameLabel(f) {
    var s;
    if (f && f["function"]) s = String(f["function"]);
    else if (f && f.module) s = baseName(String(f.module)) + "+0x" + (Number(f.offset) || 0).toString(16);
    else s = f && f.address ? String(f.address) : "?";
    return f && f.inlined ? s + " [inlined]" : s;
  }
  /* file:line of a frame (the file's base name), or null */
  function frameLoc(f) {
    return f && f.file ? baseName(String(f.file)) + (Number(f.line) > 0 ? ":" + f.line : "") : null;
  }
  /* The allocation functions a whole-program run (memscope run) names its sites after. */
  var ALLOC_FNS = /^(malloc|calloc|realloc|reallocarray|free|aligned_alloc|posix_memalign|memalign|valloc|pvalloc|strdup|strndup|operator new.*|operator delete.*|new|new\[\]|mmap|munmap)$/;
  /* Whole-program mode: the report's context says so (context.mode); a report without one
     (older files) when every site is an allocation function with no file (TRACK sites have
     names, types and files). */
  function wholeProgram(r) {
    if (r.context && typeof r.context.mode === "string") return r.context.mode === "whole-program";
    return r.sites.length > 0 && r.sites.every(function (s) {
      return s.file == null && !s.type_name && ALLOC_FNS.test(String(s.var_name == null ? "" : s.var_name));
    });
  }

  function buildModel(r) {
    var m = { r: r, banners: [] };
    /* sites by id; `key` groups them the way report.hotspots does (name, type, file:line) */
    m.sites = [];
    m.maxSite = 0;
    r.sites.forEach(function (s) {
      var id = Number(s.id) >>> 0;
      var name = s.var_name == null ? "" : String(s.var_name);
      var type = s.type_name == null ? "" : String(s.type_name);
      var loc = s.file == null ? null : String(s.file) + ":" + s.line;
      m.sites[id] = { id: id, name: name, type: type, loc: loc,
        key: name + "\u0000" + type + "\u0000" + (loc === null ? "\u0001" : loc),
        text: (name + "\n" + type + "\n" + (loc || "")).toLowerCase() };
      if (id > m.maxSite) m.maxSite = id;
    });
    /* stacks by id: labels innermost first, the first named frame, the text for tooltips */
    m.stacks = [];
    m.maxStack = 0;
    r.stacks.forEach(function (s) {
      var id = Number(s.id) >>> 0, frames = Array.isArray(s.frames) ? s.frames : [];
      var labels = frames.map(frameLabel), first = null;
      for (var i = 0; i < frames.length && first === null; i++) if (frames[i] && frames[i]["function"]) first = labels[i];
      if (first === null) first = labels.length ? labels[0] : "?";
      var w = s.where === null || s.where === undefined ? -1 : Number(s.where);
      if (!(w >= 0 && w < frames.length)) w = -1;
      var wf = w >= 0 ? frames[w] : null;
      m.stacks[id] = {
        id: id, frames: frames, labels: labels, first: first,
        /* where the user's code allocated: the first frame outside the allocator and runtime */
        where: w, whereName: wf ? labels[w] : "(inside the runtime)", whereLoc: wf ? frameLoc(wf) : null,
        whereKey: wf ? labels[w] + "\u0000" + (wf.file ? String(wf.file) + ":" + wf.line : wf.module + "+" + wf.offset) : "\u0001",
        costs: isNum(s.allocated_bytes) ? {
          bytes: Number(s.allocated_bytes) || 0, count: Number(s.allocations) || 0,
          leaked: Number(s.leaked_bytes) || 0, leakedCount: Number(s.leaked_count) || 0,
          peak: Number(s.peak_bytes) || 0, temporary: Number(s.temporary) || 0,
          firstLeak: Number(s.first_leak_ns) || 0, lastLeak: Number(s.last_leak_ns) || 0 } : null,
        suppressed: s.suppressed ? String(s.suppressed) : null,
        text: frames.map(function (f, i) {
          return visible(labels[i]) + (f && f["function"] && f.module ? "  (" + baseName(String(f.module)) + ")" : "");
        }).join("\n")
      };
      if (id > m.maxStack) m.maxStack = id;
    });
    m.whole = wholeProgram(r);
    m.hasCosts = r.stacks.some(function (s) { return isNum(s.allocated_bytes); });
    /* threads of the report, then any thread id seen only in events */
    m.threads = r.threads.map(function (t, i) {
      return { index: i, id: t.thread_id, name: t.thread_name == null ? "" : String(t.thread_name), stats: t, color: -1 };
    });
    m.tidIndex = new Map();
    m.threads.forEach(function (t) { m.tidIndex.set(t.id, t.index); });
    /* snapshots on the events' clock */
    var snaps = r.system_snapshots;
    m.snapT = new Float64Array(snaps.length);
    m.snapBits = 0;
    for (var i = 0; i < snaps.length; i++) {
      m.snapT[i] = Number(snaps[i].elapsed_ns) || 0;
      m.snapBits |= snaps[i].available | 0;
    }
    var rssT = [], rssV = [];
    snaps.forEach(function (s, i) {
      if (s.available & BIT.MEMORY) { rssT.push(m.snapT[i]); rssV.push(Number(s.memory_usage_bytes) || 0); }
    });
    m.rssT = Float64Array.from(rssT);
    m.rssV = Float64Array.from(rssV);
    return m;
  }

  /* what the live bytes are: TRACKed blocks, or the whole heap of a `memscope run` */
  function tw() { return M && M.whole ? "heap" : "tracked"; }

  function threadIndex(m, tid) {
    var k = m.tidIndex.get(tid);
    if (k === undefined) {
      k = m.threads.length;
      m.threads.push({ index: k, id: tid, name: "", stats: null, color: -1 });
      m.tidIndex.set(tid, k);
    }
    return k;
  }
  function threadLabel(th) {
    return th.name ? visible(th.name) + " (" + th.id + ")" : "thread " + th.id;
  }

  /* base64 -> bytes: the native decoder where the browser has it, else atob. */
  function base64Bytes(text) {
    if (typeof Uint8Array.fromBase64 === "function") return Uint8Array.fromBase64(text);
    var bin = atob(text), n = bin.length, out = new Uint8Array(n);
    for (var i = 0; i < n; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  /* Decodes the events into columns and derives, in two passes:
     - live[i]: live tracked bytes after event i (cumulative sum, allocations minus frees);
     - pair[i]: the matching free of an allocation / allocation of a free (by address: the
       latest earlier allocation at that address), -1 when there is none;
     - owner[i]: the thread an event is charged to (a free: the allocating thread; -1: none);
     - per-thread series (CSR): live bytes of each allocating thread after each event that
       changed it;
     - leaks: allocations never freed, in time order. */
  function decodeEvents(m) {
    var rb = m.r.event_record_bytes;
    if (rb !== undefined && rb !== null && Number(rb) !== RECORD)
      throw new Error("this dashboard reads " + RECORD + "-byte event records; the report declares event_record_bytes = " + rb);
    var node = $("memscope-events");
    var text = node ? node.textContent : "";
    if (text.indexOf("MEMSCOPE:") >= 0) text = "";
    var bytes = base64Bytes(text);
    var n = Math.floor(bytes.length / RECORD);
    var declared = Number(m.r.event_count);
    if (bytes.length % RECORD || (isNum(declared) && declared !== n))
      m.banners.push(["warn", "The events block holds " + exact(n) + " whole records but the report declares " +
        exact(declared) + " (event_count): the page may be truncated."]);
    var t = new Float64Array(n), size = new Float64Array(n), addr = new Float64Array(n);
    var site = new Uint32Array(n), stack = new Uint32Array(n), thr = new Uint32Array(n);
    var isFree = new Uint8Array(n);
    var nAlloc = 0, i, j, k;
    var littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
    var lastTid = -1, lastIdx = 0, raw;
    if (littleEndian && bytes.byteOffset % 4 === 0) {
      /* copy 32-bit words: the f64 fields of a record are not 8-byte aligned */
      var w = new Uint32Array(bytes.buffer, bytes.byteOffset, n * 9);
      var tw = new Uint32Array(t.buffer), sw = new Uint32Array(size.buffer), aw = new Uint32Array(addr.buffer);
      for (i = 0, j = 0, k = 0; i < n; i++, j += 9, k += 2) {
        tw[k] = w[j]; tw[k + 1] = w[j + 1];
        sw[k] = w[j + 2]; sw[k + 1] = w[j + 3];
        aw[k] = w[j + 4]; aw[k + 1] = w[j + 5];
        site[i] = w[j + 6];
        raw = w[j + 7];
        stack[i] = w[j + 8];
        if (raw & 0x80000000) isFree[i] = 1; else nAlloc++;
        raw &= 0x7fffffff;
        if (raw !== lastTid) { lastTid = raw; lastIdx = threadIndex(m, raw); }
        thr[i] = lastIdx;
      }
    } else {
      var dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
      for (i = 0, j = 0; i < n; i++, j += RECORD) {
        t[i] = dv.getFloat64(j, true);
        size[i] = dv.getFloat64(j + 8, true);
        addr[i] = dv.getFloat64(j + 16, true);
        site[i] = dv.getUint32(j + 24, true);
        raw = dv.getUint32(j + 28, true);
        stack[i] = dv.getUint32(j + 32, true);
        if (raw & 0x80000000) isFree[i] = 1; else nAlloc++;
        raw &= 0x7fffffff;
        if (raw !== lastTid) { lastTid = raw; lastIdx = threadIndex(m, raw); }
        thr[i] = lastIdx;
      }
    }

    /* pass 1: live bytes and pairing, through an open-addressing table address -> allocation
       (linear probing, backward-shift deletion: no tombstones) */
    var bits = 10;
    while ((1 << bits) < nAlloc * 2 && bits < 30) bits++;
    var cap = 1 << bits, mask = cap - 1, shift = 32 - bits;
    var hk = new Float64Array(cap), hv = new Int32Array(cap).fill(-1);
    var live = new Float64Array(n), pair = new Int32Array(n).fill(-1), owner = new Int32Array(n);
    var nThreads = m.threads.length, perThread = new Uint32Array(nThreads + 1);
    var cur = 0, peak = 0, peakIdx = -1, a, h, lo, hi, e, g, home;
    var temp = new Uint8Array(n), lastA = -1;   // temp[i]: freed before any other allocation
    for (i = 0; i < n; i++) {
      a = addr[i];
      lo = a >>> 0; hi = (a / 4294967296) >>> 0;
      h = Math.imul((lo >>> 4) ^ (lo << 28) ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1) >>> shift;
      while (hv[h] >= 0 && hk[h] !== a) h = (h + 1) & mask;
      if (!isFree[i]) {
        cur += size[i];
        lastA = i;
        hk[h] = a; hv[h] = i;
        owner[i] = thr[i];
        perThread[thr[i]]++;
      } else {
        cur -= size[i];
        e = hv[h];
        if (e >= 0) {
          pair[i] = e; pair[e] = i;
          if (lastA === e) temp[e] = 1;
          owner[i] = owner[e];
          perThread[owner[e]]++;
          /* backward-shift delete of slot h */
          g = h;
          for (;;) {
            g = (g + 1) & mask;
            if (hv[g] < 0) break;
            lo = hk[g] >>> 0; hi = (hk[g] / 4294967296) >>> 0;
            home = Math.imul((lo >>> 4) ^ (lo << 28) ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1) >>> shift;
            if ((g > h && (home <= h || home > g)) || (g < h && home <= h && home > g)) {
              hk[h] = hk[g]; hv[h] = hv[g]; h = g;
            }
          }
          hv[h] = -1;
        } else {
          owner[i] = -1;     // a free whose allocation was not retained
        }
      }
      live[i] = cur;
      if (cur > peak) { peak = cur; peakIdx = i; }
    }

    /* pass 2: per-thread series (CSR layout) and the leak list */
    var off = new Uint32Array(nThreads + 1);
    for (k = 0; k < nThreads; k++) off[k + 1] = off[k] + perThread[k];
    var sT = new Float64Array(off[nThreads]), sV = new Float64Array(off[nThreads]);
    var fill = off.slice(0, nThreads), tv = new Float64Array(nThreads), nLeaks = 0;
    for (i = 0; i < n; i++) {
      k = owner[i];
      if (k < 0) continue;
      tv[k] += isFree[i] ? -size[i] : size[i];
      j = fill[k]++;
      sT[j] = t[i];
      sV[j] = tv[k];
      if (!isFree[i] && pair[i] < 0) nLeaks++;
    }
    var leaks = new Uint32Array(nLeaks);
    for (i = 0, j = 0; i < n; i++) if (!isFree[i] && pair[i] < 0) leaks[j++] = i;

    m.n = n; m.t = t; m.size = size; m.addr = addr; m.site = site; m.stack = stack; m.thr = thr;
    m.isFree = isFree; m.temp = temp; m.live = live; m.pair = pair; m.nAlloc = nAlloc; m.leaks = leaks;
    m.peak = peak; m.peakIdx = peakIdx;
    m.series = [];
    for (k = 0; k < nThreads; k++)
      m.series.push({ T: sT.subarray(off[k], off[k + 1]), V: sV.subarray(off[k], off[k + 1]) });
    var last = n ? t[n - 1] : 0;
    if (m.snapT.length) last = Math.max(last, m.snapT[m.snapT.length - 1]);
    m.tlT = t; m.tlV = live; m.tlN = n; m.peakT = peakIdx >= 0 ? t[peakIdx] : null;
    m.binned = binnedTimeline(m);
    if (m.binned) last = Math.max(last, m.binned.lastNs);
    m.tEnd = Math.max(last, (Number(m.r.duration_sec) || 0) * 1e9, 1);
  }

  /* A binned page (a run of more events than a page holds): report.timeline holds, per bin of
     bin_ns, the minimum, the maximum and the end value of the live bytes (the total and the
     largest allocating threads), and the event records are the allocations live at the end.
     Each bin becomes three points of a step series at its middle (minimum, maximum, end value),
     so the pixel columns of the timeline get the bins' exact envelope. */
  function binnedTimeline(m) {
    var tl = m.r.timeline;
    if (!tl || typeof tl !== "object") return null;
    var nb = Number(tl.bins) >>> 0, w = Number(tl.bin_ns) || 1;
    function arr(o, k) {
      var a = o && o[k];
      if (!Array.isArray(a) || a.length !== nb) throw new Error("report.timeline." + k + " should be an array of " + nb + " numbers");
      return a;
    }
    function series(o) {
      var mn = arr(o, "live_min"), mx = arr(o, "live_max"), la = arr(o, "live_last");
      var T = new Float64Array(3 * nb), Vv = new Float64Array(3 * nb);
      for (var i = 0, j = 0; i < nb; i++, j += 3) {
        T[j] = T[j + 1] = T[j + 2] = (i + 0.5) * w;
        Vv[j] = Number(mn[i]); Vv[j + 1] = Number(mx[i]); Vv[j + 2] = Number(la[i]);
      }
      return { T: T, V: Vv };
    }
    var total = series(tl), counts = { a: arr(tl, "allocations"), f: arr(tl, "frees") };
    var peak = 0, peakT = null;
    for (var i = 0; i < nb; i++) {
      var v = Number(tl.live_max[i]);
      if (v > peak) { peak = v; peakT = (i + 0.5) * w; }
    }
    m.tlT = total.T; m.tlV = total.V; m.tlN = total.T.length;
    m.peak = peak; m.peakT = peakT; m.peakIdx = -1;
    /* the threads' lines: the threads the writer binned, and no others */
    m.series = [];
    (Array.isArray(tl.threads) ? tl.threads : []).forEach(function (th) {
      var k = threadIndex(m, Number(th.thread_id) >>> 0);
      m.series[k] = series(th);
    });
    for (var k = 0; k < m.threads.length; k++) if (!m.series[k]) m.series[k] = { T: new Float64Array(0), V: new Float64Array(0) };
    return { bins: nb, binNs: w, events: Number(tl.events) || 0, lastNs: Number(tl.last_event_ns) || 0, counts: counts,
      complete: tl.records_complete !== false,
      pageMax: Number(tl.page_events_max) || 0 };
  }

  /* Whether the window selects events for the per-site and per-stack tables: not on a binned
     page, whose records are only the allocations live at the end. */
  function eventWin() { return V.win && !M.binned; }

  /* Threads drawn in the timeline: the largest allocators that have events, each with a
     colour index shared with the legend and the threads table. */
  function pickThreads(m) {
    var cand = m.threads.filter(function (th) { return m.series[th.index] && m.series[th.index].T.length; });
    cand.sort(function (a, b) {
      var x = a.stats ? Number(a.stats.allocated_bytes) || 0 : 0, y = b.stats ? Number(b.stats.allocated_bytes) || 0 : 0;
      return y - x || a.index - b.index;
    });
    m.drawn = cand.slice(0, TIMELINE_THREADS).map(function (th, i) { th.color = i; return th.index; });
    m.undrawn = cand.length - m.drawn.length;
  }
  function threadColor(th) { return th.color >= 0 ? "var(--t" + th.color + ")" : null; }

  /* ------------------------------------------------------------------ 3. the time window */

  var V = { win: null, agg: null };   // win: {t0, t1} in ns, or null for the whole run

  /* The time range drawn: the window clipped to the run, or the whole run. */
  function viewRange() {
    if (!V.win) return [0, M.tEnd];
    var a = Math.max(V.win.t0, 0), b = Math.min(V.win.t1, M.tEnd);
    if (!(b > a)) { a = V.win.t0; b = Math.max(V.win.t1, a + 1); }
    return [a, b];
  }
  /* Event index range [lo, hi) of the window. */
  function eventRange() {
    if (!V.win) return [0, M.n];
    return [lowerBound(M.t, 0, M.n, V.win.t0), upperBound(M.t, 0, M.n, V.win.t1)];
  }
  /* Bytes and counts per site and per stack of the allocations made in the window. */
  function windowAgg() {
    if (V.agg) return V.agg;
    var r = eventRange(), ns = M.maxSite + 1, nk = M.maxStack + 1;
    var sb = new Float64Array(ns), sc = new Float64Array(ns), kb = new Float64Array(nk), kc = new Float64Array(nk);
    /* per stack: leaked (live at the last event), live at the peak, temporary */
    var kl = new Float64Array(nk), kn = new Float64Array(nk), kp = new Float64Array(nk), kt = new Float64Array(nk);
    var other = new Map();   // site ids missing from report.sites
    var P = M.pair, pk = M.peakIdx;
    for (var i = r[0]; i < r[1]; i++) {
      if (M.isFree[i]) continue;
      var s = M.site[i], b = M.size[i], k = M.stack[i];
      if (s < ns) { sb[s] += b; sc[s]++; }
      else { var o = other.get(s) || { b: 0, c: 0 }; o.b += b; o.c++; other.set(s, o); }
      if (k && k < nk) {
        kb[k] += b; kc[k]++;
        if (P[i] < 0) { kl[k] += b; kn[k]++; }
        if (i <= pk && (P[i] < 0 || P[i] > pk)) kp[k] += b;
        if (M.temp[i]) kt[k]++;
      }
    }
    V.agg = { siteBytes: sb, siteCount: sc, stackBytes: kb, stackCount: kc, other: other,
      stackLeaked: kl, stackLeakedCount: kn, stackPeak: kp, stackTemp: kt };
    return V.agg;
  }

  /* Costs per stack of the scope: the report's per-stack costs for the whole run (exact, also
     with dropped events or a page of the first events only), else the window's events.
     Each {stack, bytes, count, leaked, leakedCount, peak, temporary}; leaked, peak and
     temporary are null where neither source has them (an older report, whole run). */
  function stackCosts() {
    var out = [], i;
    if (!eventWin()) {
      if (M.hasCosts) {
        M.stacks.forEach(function (st) {
          var c = st && st.costs;
          if (c && (c.count || c.leakedCount)) out.push({ stack: st.id, bytes: c.bytes, count: c.count, leaked: c.leaked,
            leakedCount: c.leakedCount, peak: c.peak, temporary: c.temporary, firstLeak: c.firstLeak, lastLeak: c.lastLeak });
        });
      } else {
        M.r.stack_hotspots.forEach(function (h) {
          out.push({ stack: Number(h.stack) >>> 0, bytes: Number(h.total_size) || 0, count: Number(h.allocation_count) || 0,
            leaked: null, leakedCount: null, peak: null, temporary: null });
        });
      }
      return out;
    }
    var a = windowAgg();
    for (i = 1; i < a.stackCount.length; i++) {
      if (a.stackCount[i]) out.push({ stack: i, bytes: a.stackBytes[i], count: a.stackCount[i], leaked: a.stackLeaked[i],
        leakedCount: a.stackLeakedCount[i], peak: a.stackPeak[i], temporary: a.stackTemp[i] });
    }
    return out;
  }

  function setWindow(t0, t1) {
    if (t0 === null || t0 === undefined || t1 === null || t1 === undefined) {
      V.win = null;
    } else {
      t0 = Number(t0); t1 = Number(t1);
      if (!isFinite(t0) || !isFinite(t1)) throw new Error("memscopeSetWindow: times must be finite numbers of ns");
      if (t1 < t0) { var x = t0; t0 = t1; t1 = x; }
      V.win = { t0: t0, t1: t1 };
    }
    V.agg = null;
    refreshWindow();
  }
  window.memscopeSetWindow = function (t0, t1) {
    try { setWindow(t0, t1); } catch (e) { fail(e); }
  };

  /* Redraws everything that depends on the window. */
  function refreshWindow() {
    updateWindowLabel();
    drawTimeline();
    SYS.charts.forEach(drawMini);
    renderHotspots();
    LK.page = 0;
    computeLeakRows();
    renderLeaks();
    renderLeakGroups();
    buildFlame();
    drawFlame();
  }

  function updateWindowLabel() {
    var label = $("window-label"), r = eventRange(), vr = viewRange();
    var nev = exact(r[1] - r[0]) + " events";
    if (M.binned) nev = binnedEvents(vr[0], vr[1]);
    if (!V.win) {
      label.textContent = "Whole run: 0 – " + fmtNs(M.tEnd) + " · " + nev + (pageCut() ? " (the first of the run's " + exact(Number(M.r.events_total)) + ")" : "");
    } else {
      var step = (vr[1] - vr[0]) / 1000;
      label.textContent = "Window: " + fmtTimeAt(V.win.t0, step, M.tEnd) + " – " + fmtTimeAt(V.win.t1, step, M.tEnd) +
        " (" + fmtNs(V.win.t1 - V.win.t0) + ") · " + nev;
    }
    $("window-reset").disabled = !V.win;
    var scope = V.win ? "allocations made in the window" : "whole run";
    $("hotspots-scope").textContent = eventWin() || !V.win ? scope : "whole run (this page has no events to select by time)";
    $("leaks-scope").textContent = scope;
    $("flame-scope").textContent = eventWin() || !V.win ? scope : "whole run (this page has no events to select by time)";
  }

  /* ------------------------------------------------------------------ 4a. header, cards */

  function buildHeader() {
    var r = M.r, parts = [];
    parts.push(r.generator ? String(r.generator) : "memscope");
    parts.push("started " + fmtDate(Number(r.start_time_unix_ms)));
    parts.push("ran " + fmtNs((Number(r.duration_sec) || 0) * 1e9));
    var s = r.sampling || {};
    var rate = isNum(r.sample_rate) ? r.sample_rate : s.sample_rate;
    parts.push("sample rate " + (isNum(rate) ? fmtPct(rate * 100) : "unknown") +
      (s.capture_call_stack ? " with call stacks (depth " + s.max_stack_depth + ")" : ", no call stacks"));
    parts.push(exact(M.binned ? M.binned.events : M.n) + " events");
    var line = $("summary-line");
    line.textContent = visible(parts.join(" · "));
    if (!isNaN(new Date(Number(r.start_time_unix_ms)).getTime()))
      line.title = "start " + new Date(Number(r.start_time_unix_ms)).toISOString() + " (" + exact(Number(r.start_time_unix_ms)) + " ms since the epoch)";
    document.title = "memscope report · " + fmtDate(Number(r.start_time_unix_ms));
  }

  /* The page holds the first of the run's events only (a page without report.timeline of a run
     of more events than MEMSCOPE_HTML_MAX_EVENTS). */
  function pageCut() {
    var total = Number(M.r.events_total);
    return !M.binned && isNum(total) && total > M.n;
  }
  /* The events of the bins whose middle is in [t0, t1] on a binned page, in words. */
  function binnedEvents(t0, t1) {
    var b = M.binned, n = 0, whole = t0 <= 0 && t1 >= M.tEnd;
    for (var i = 0; i < b.bins; i++) {
      var mid = (i + 0.5) * b.binNs;
      if (mid >= t0 && mid <= t1) n += Number(b.counts.a[i]) + Number(b.counts.f[i]);
    }
    return whole ? exact(b.events) + " events" : "about " + exact(n) + " events (bins of " + fmtNs(b.binNs) + ")";
  }

  function buildBanners() {
    var r = M.r, box = $("banners"), cx = r.context || {};
    if (cx.complete === false) /* a run killed (SIGKILL, the OOM killer), crashed or cut short: the file has no end */
      M.banners.push(["warn", (cx.exit_signal ? "The run did not end normally (ended by signal " + cx.exit_signal + ")" :
        cx.exit_status != null ? "The run did not end normally (status " + cx.exit_status + ", without its exit handlers)" :
        "The file ends before its end section (the run did not end normally, or the file was cut)") +
        ": this is the run up to the last block written, and \u201clive\u201d means not freed when it stopped."]);
    if (r.format !== "memscope" || Number(r.version) !== 1)
      M.banners.push(["warn", "This dashboard reads format \"memscope\" version 1; the report says " +
        JSON.stringify(r.format) + " version " + JSON.stringify(r.version) + ": some fields may be missing."]);
    var dropped = Number(r.dropped_events) || 0;
    var total = Number(r.events_total);
    if (pageCut())
      M.banners.unshift(["warn", "This page holds the first " + exact(M.n) + " of the run's " + exact(total) +
        " events (a page with all of them would not open): the timeline, the per-window tables, the live-at-exit list " +
        "and the flame graph of a window cover those only. Totals, the peak, the threads, the whole-run hotspots and the " +
        "call stacks' totals are the whole run's; memscope report FILE.msb and its other formats read every event."]);
    if (M.binned) {
      var b = M.binned;
      M.banners.unshift(["info", "This run has " + exact(b.events) + " events, more than a page holds (" +
        exact(b.pageMax) + "), so this page carries the run pre-binned rather than every event: the timeline is " +
        plural(b.bins, "bin") + " of " + fmtNs(b.binNs) + " (the lowest, highest and last live bytes of each), the hotspots, " +
        "the call stacks and the flame graph are the whole run's totals, and the live-at-exit list holds " +
        (b.complete ? "every allocation live at the end (" + exact(M.n) + ")" : "the first " + exact(M.n) +
        " allocations live at the end of the run's " + exact(Number(r.active_allocations) || 0) + " (a page holds no more)") +
        ". A window zooms the timeline and selects the live allocations made in it; the other tables stay the whole run's. " +
        "memscope report FILE.msb and its other formats read every event."]);
    }
    if (dropped > 0 || pageCut())
      ; /* a partial page: the peak of its events is not the run's */
    else if ((M.n || M.binned) && M.peak !== Number(r.peak_memory_bytes))
      M.banners.push(["warn", "The peak computed from the " + (M.binned ? "binned timeline" : "events") + " (" + exact(M.peak) +
        " bytes) differs from the report's peak_memory_bytes (" + exact(Number(r.peak_memory_bytes)) + ")."]);
    if (dropped > 0)
      M.banners.unshift(["warn", exact(dropped) + " events were not retained (the event bound was reached): the timeline, " +
        "the per-window tables, the live-at-exit list and the flame graph of a window cover the retained events only. " +
        "Totals, the peak and the whole-run hotspots are exact."]);
    if ((Number(r.dropped_snapshots) || 0) > 0)
      M.banners.push(["warn", exact(Number(r.dropped_snapshots)) + " system snapshots were overwritten (the ring was full): the system charts start later than the run."]);
    var sb = r.sampling && Number(r.sampling.sample_bytes) > 0 ? Number(r.sampling.sample_bytes) : 0;
    if (isNum(r.sample_rate) && r.sample_rate < 1)
      M.banners.push(["info", "Sampled run: " + fmtPct(r.sample_rate * 100) + " of " + (M.whole ? "allocations" : "TRACK calls") +
        " were recorded. Counts and bytes cover recorded allocations; the estimated totals scale them by 1/rate."]);
    else if (sb)
      M.banners.push(["info", "Sampled run: about one allocation per " + exact(sb) + " bytes allocated was recorded (memscope run --sample-bytes), " +
        "weighted so the estimated totals stay unbiased; per-stack counts are of the recorded allocations."]);
    if (!M.n && !M.binned && (Number(r.total_allocations) || 0) > 0)
      M.banners.push(["info", "No events were retained (counters-only mode or max_events = 0): the timeline and the live-at-exit list are empty."]);
    M.banners.forEach(function (b) {
      var d = el("div", "banner " + b[0], b[1]);
      d.setAttribute("role", b[0] === "warn" ? "alert" : "status");
      box.appendChild(d);
    });
  }

  function buildCards() {
    var r = M.r, box = $("cards");
    var rate = r.sample_rate, sampled = isNum(rate) && rate < 1;
    var s = r.sampling || {};
    function num(k) { return Number(r[k]); }
    function card(metric, raw, label, value, title, sub, cls, hidden) {
      var c = el("div", "card" + (cls ? " " + cls : ""));
      c.setAttribute("data-metric", metric);
      c.setAttribute("data-value", raw === undefined ? "null" : JSON.stringify(raw));
      c.title = title;
      if (hidden) c.hidden = true;
      c.appendChild(el("div", "card-label", label));
      c.appendChild(el("div", "card-value", value));
      if (sub) c.appendChild(el("div", "card-sub", sub));
      box.appendChild(c);
    }
    card("total_allocations", r.total_allocations, "Allocations", fmtCount(num("total_allocations")),
      exact(num("total_allocations")) + " allocations recorded, " + exact(num("total_allocated_bytes")) + " bytes",
      fmtBytes(num("total_allocated_bytes")) + " allocated");
    card("total_deallocations", r.total_deallocations, "Frees", fmtCount(num("total_deallocations")),
      exact(num("total_deallocations")) + " frees recorded", M.whole ? "free, realloc… calls" : "recorded UNTRACKs");
    var active = num("active_allocations"), cut = r.context && r.context.complete === false;
    var atEnd = cut ? "live when it stopped" : "live at the end";
    card("active_allocations", r.active_allocations, cut ? "Active when it stopped" : "Active (leaks)", fmtCount(active),
      exact(active) + " allocations " + atEnd + ", " + exact(num("current_memory_bytes")) + " bytes",
      fmtBytes(num("current_memory_bytes")) + (cut ? " not freed when it stopped" : " still live"), active > 0 ? "key" : null);
    card("peak_memory_bytes", r.peak_memory_bytes, "Peak", fmtBytes(num("peak_memory_bytes")),
      exact(num("peak_memory_bytes")) + " bytes: the maximum of live " + (M.whole ? "heap" : "tracked") + " bytes",
      M.whole ? "max live heap bytes" : "max live tracked bytes", "key");
    card("current_memory_bytes", r.current_memory_bytes, "Current", fmtBytes(num("current_memory_bytes")),
      exact(num("current_memory_bytes")) + " bytes " + atEnd, atEnd);
    card("allocation_rate_per_sec", r.allocation_rate_per_sec, "Allocation rate", fmtCount(num("allocation_rate_per_sec")) + "/s",
      exact(num("allocation_rate_per_sec")) + " allocations per second", "over the run");
    card("deallocation_rate_per_sec", r.deallocation_rate_per_sec, "Free rate", fmtCount(num("deallocation_rate_per_sec")) + "/s",
      exact(num("deallocation_rate_per_sec")) + " frees per second", "over the run");
    card("duration_sec", r.duration_sec, "Duration", fmtNs(num("duration_sec") * 1e9),
      exact(num("duration_sec")) + " s from memscope_new to the report", "tracker lifetime");
    card("sample_rate", r.sample_rate, "Sample rate", isNum(rate) ? fmtPct(rate * 100) : "–",
      "sample_rate " + exact(rate), s.capture_call_stack ? "call stacks, depth " + s.max_stack_depth : "no call stacks");
    card("estimated_total_allocations", r.estimated_total_allocations, "Est. allocations", fmtCount(num("estimated_total_allocations")),
      exact(num("estimated_total_allocations")) + " = recorded / sample rate", "recorded ÷ rate", null, !sampled);
    card("estimated_total_bytes", r.estimated_total_bytes, "Est. bytes", fmtBytes(num("estimated_total_bytes")),
      exact(num("estimated_total_bytes")) + " bytes = recorded / sample rate", "recorded ÷ rate", null, !sampled);
    var de = num("dropped_events");
    card("dropped_events", r.dropped_events, "Dropped events", fmtCount(de), exact(de) + " events not retained",
      de > 0 ? "timeline incomplete" : "all events retained", de > 0 ? "warn" : null);
    var ds = num("dropped_snapshots");
    card("dropped_snapshots", r.dropped_snapshots, "Dropped snapshots", fmtCount(ds), exact(ds) + " system snapshots overwritten",
      ds > 0 ? "system charts start late" : "none lost", ds > 0 ? "warn" : null);
    card("thread_count", r.threads.length, "Threads", String(r.threads.length), plural(r.threads.length, "thread") + " recorded",
      M.whole ? "that allocated" : "that tracked");
    if (M.binned)
      card("event_count", M.binned.events, "Events", fmtCount(M.binned.events), exact(M.binned.events) + " events in the run, binned in this page",
        "binned: " + fmtCount(M.n) + " live at the end listed");
    else
      card("event_count", r.event_count, "Events", fmtCount(M.n), exact(M.n) + " events in this page",
        pageCut() ? "the first of " + fmtCount(Number(r.events_total)) : "allocs + frees retained", pageCut() ? "warn" : null);
  }

  /* ------------------------------------------------------------------ 4b. timeline */

  var TL = { hidden: {}, cache: null, drag: null, hoverX: null, L: null, v: null };

  /* Min / max / last value per pixel column of a step series (value V[k] holds from T[k] on),
     for the columns of [v0, v1]; `start` is the value at v0. */
  function downsample(T, Vv, len, v0, v1, ncol) {
    var lo = lowerBound(T, 0, len, v0), hi = upperBound(T, lo, len, v1);
    var mn = new Float64Array(ncol), mx = new Float64Array(ncol), last = new Float64Array(ncol), has = new Uint8Array(ncol);
    var scale = ncol / (v1 - v0), top = ncol - 1, start = lo > 0 ? Vv[lo - 1] : 0, vmax = start;
    for (var k = lo; k < hi; k++) {
      var c = ((T[k] - v0) * scale) | 0;
      if (c > top) c = top;
      var v = Vv[k];
      if (!has[c]) { has[c] = 1; mn[c] = v; mx[c] = v; }
      else { if (v < mn[c]) mn[c] = v; if (v > mx[c]) mx[c] = v; }
      last[c] = v;
      if (v > vmax) vmax = v;
    }
    return { start: start, mn: mn, mx: mx, last: last, has: has, max: vmax, n: ncol };
  }

  function traceStep(ctx, d, x0, colW, yOf, xEnd) {
    var v = d.start;
    ctx.moveTo(x0, yOf(v));
    for (var c = 0; c < d.n; c++) {
      if (!d.has[c]) continue;
      var x = x0 + (c + 0.5) * colW;
      ctx.lineTo(x, yOf(v));
      if (d.mx[c] !== d.mn[c]) { ctx.lineTo(x, yOf(d.mx[c])); ctx.lineTo(x, yOf(d.mn[c])); }
      v = d.last[c];
      ctx.lineTo(x, yOf(v));
    }
    ctx.lineTo(xEnd, yOf(v));
  }

  function timelineLayout() {
    var wrap = $("timeline-wrap"), w = wrap.clientWidth, h = wrap.clientHeight;
    return { w: w, h: h, l: 70, r: w - (M.rssT.length ? 70 : 18), t: 20, b: h - 24 };
  }

  function drawTimeline() {
    var L = TL.L = timelineLayout(), C = colors();
    var canvas = $("timeline");
    var ctx = setupCanvas(canvas, L.w, L.h);
    var vr = TL.v = viewRange(), v0 = vr[0], v1 = vr[1];
    var pw = Math.max(1, L.r - L.l), ph = Math.max(1, L.b - L.t);
    var dpr = window.devicePixelRatio || 1, ncol = Math.max(1, Math.round(pw * dpr));
    var key = v0 + ":" + v1 + ":" + ncol;
    if (!TL.cache || TL.cache.key !== key) {
      TL.cache = { key: key, total: downsample(M.tlT, M.tlV, M.tlN, v0, v1, ncol), threads: [] };
      M.drawn.forEach(function (k) {
        var s = M.series[k];
        TL.cache.threads[k] = downsample(s.T, s.V, s.T.length, v0, v1, ncol);
      });
    }
    var cache = TL.cache, ymax = 0;
    if (!TL.hidden.total) ymax = cache.total.max;
    M.drawn.forEach(function (k) { if (!TL.hidden["t" + k]) ymax = Math.max(ymax, cache.threads[k].max); });
    if (!(ymax > 0)) ymax = cache.total.max;
    var left = niceAxis(ymax * 1.04, 5, true);
    /* RSS on the right axis: samples in view, plus one on each side */
    var right = null, rlo = 0, rhi = 0;
    if (M.rssT.length) {
      rlo = Math.max(0, lowerBound(M.rssT, 0, M.rssT.length, v0) - 1);
      rhi = Math.min(M.rssT.length, upperBound(M.rssT, 0, M.rssT.length, v1) + 1);
      var rmax = 0;
      for (var i = rlo; i < rhi; i++) rmax = Math.max(rmax, M.rssV[i]);
      right = niceAxis(rmax * 1.04, 5, true);
    }
    drawFrame(ctx, L, v0, v1, left, fmtBytes, right, fmtBytes, C.rss, Math.max(2, Math.floor(pw / 110)));
    ctx.font = "11px " + C.font;
    ctx.textBaseline = "alphabetic";
    ctx.textAlign = "left";
    ctx.fillStyle = C.muted;
    ctx.fillText("live " + tw() + " bytes", 4, 12);
    if (right) { ctx.textAlign = "right"; ctx.fillStyle = C.rss; ctx.fillText("process RSS", L.w - 4, 12); }

    var colW = pw / ncol;
    var yL = function (v) { return L.b - v / left.max * ph; };
    ctx.save();
    ctx.beginPath();
    ctx.rect(L.l, L.t - 2, pw, ph + 3);
    ctx.clip();
    if (!M.tlN) {
      ctx.fillStyle = C.muted;
      ctx.textAlign = "center";
      ctx.fillText("No events were retained for this run.", L.l + pw / 2, L.t + ph / 2);
    }
    if (M.tlN && !TL.hidden.total) {
      ctx.beginPath();
      traceStep(ctx, cache.total, L.l, colW, yL, L.r);
      ctx.lineTo(L.r, L.b);
      ctx.lineTo(L.l, L.b);
      ctx.closePath();
      ctx.fillStyle = C["live-fill"];
      ctx.fill();
    }
    ctx.lineJoin = "round";
    M.drawn.forEach(function (k) {
      if (TL.hidden["t" + k]) return;
      ctx.beginPath();
      traceStep(ctx, cache.threads[k], L.l, colW, yL, L.r);
      ctx.strokeStyle = C.threads[M.threads[k].color];
      ctx.lineWidth = 1;
      ctx.stroke();
    });
    if (M.tlN && !TL.hidden.total) {
      ctx.beginPath();
      traceStep(ctx, cache.total, L.l, colW, yL, L.r);
      ctx.strokeStyle = C.live;
      ctx.lineWidth = 2;
      ctx.stroke();
    }
    if (right && !TL.hidden.rss) {
      var yR = function (v) { return L.b - v / right.max * ph; };
      var xOf = function (t) { return L.l + (t - v0) / (v1 - v0) * pw; };
      ctx.beginPath();
      for (i = rlo; i < rhi; i++) {
        if (i === rlo) ctx.moveTo(xOf(M.rssT[i]), yR(M.rssV[i])); else ctx.lineTo(xOf(M.rssT[i]), yR(M.rssV[i]));
      }
      ctx.strokeStyle = C.rss;
      ctx.lineWidth = 1.5;
      ctx.setLineDash([5, 3]);
      ctx.stroke();
      ctx.setLineDash([]);
      if (rhi - rlo < 80) {
        ctx.fillStyle = C.rss;
        for (i = rlo; i < rhi; i++) { ctx.beginPath(); ctx.arc(xOf(M.rssT[i]), yR(M.rssV[i]), 2.5, 0, 7); ctx.fill(); }
      }
    }
    /* the peak of the events' live bytes */
    if (M.peakT !== null && !TL.hidden.total) {
      var tp = M.peakT;
      if (tp >= v0 && tp <= v1) {
        var px = L.l + (tp - v0) / (v1 - v0) * pw, py = yL(M.peak);
        ctx.fillStyle = C.peak;
        ctx.beginPath(); ctx.arc(px, py, 4, 0, 7); ctx.fill();
        ctx.font = "600 11px " + C.font;
        ctx.textBaseline = "bottom";
        ctx.textAlign = "left";
        var lab = "peak " + fmtBytes(M.peak), lw = ctx.measureText(lab).width;
        var lx = px > L.r - lw - 12 ? px - 6 - lw : px + 6, ly = Math.max(L.t + 13, py - 4);
        ctx.fillStyle = C.panel;                       // a backing so the label reads over the lines
        ctx.fillRect(lx - 2, ly - 12, lw + 4, 13);
        ctx.fillStyle = C.peak;
        ctx.fillText(lab, lx, ly);
      }
    }
    ctx.restore();
    canvas.setAttribute("data-peak", String(M.peak));
    canvas.setAttribute("aria-label", "Timeline of live " + tw() + " bytes" + (right ? " and process RSS" : "") + " from " +
      fmtNs(v0) + " to " + fmtNs(v1) + "; peak " + fmtBytes(M.peak) + (M.peakT !== null ? (M.binned ? " in the bin around " : " at ") + fmtNs(M.peakT) : "") +
      ". Drag or use the keyboard to zoom.");
    drawOverlay();
  }

  function drawOverlay() {
    var L = TL.L, ov = $("timeline-overlay"), C = colors();
    if (!L) return;
    var ctx = setupCanvas(ov, L.w, L.h);
    if (TL.drag) {
      var a = Math.min(TL.drag.x0, TL.drag.x1), b = Math.max(TL.drag.x0, TL.drag.x1);
      ctx.fillStyle = C.brush;
      ctx.fillRect(a, L.t, b - a, L.b - L.t);
      ctx.strokeStyle = C.live;
      ctx.strokeRect(a + 0.5, L.t + 0.5, b - a, L.b - L.t);
    }
    if (TL.hoverX !== null && !TL.drag) {
      ctx.strokeStyle = C.axis;
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(Math.round(TL.hoverX) + 0.5, L.t);
      ctx.lineTo(Math.round(TL.hoverX) + 0.5, L.b);
      ctx.stroke();
    }
  }

  function timelineX(e) { return e.clientX - $("timeline").getBoundingClientRect().left; }
  function xToTime(x) {
    var L = TL.L, v = TL.v;
    return v[0] + (Math.min(Math.max(x, L.l), L.r) - L.l) / Math.max(1, L.r - L.l) * (v[1] - v[0]);
  }

  function timelineHover(e) {
    var L = TL.L, x = timelineX(e);
    if (TL.drag) return;
    if (!L || x < L.l || x > L.r) { timelineLeave(); return; }
    TL.hoverX = x;
    drawOverlay();
    var t = xToTime(x), C = colors(), rows = [];
    var i = upperBound(M.tlT, 0, M.tlN, t) - 1, bin = M.binned ? Math.floor(t / M.binned.binNs) : -1;
    if (bin >= 0 && bin < M.binned.bins) {   // the bin under the cursor: its range
      i = 3 * bin;
      rows.push([C.live, "live " + tw() + " in this bin (" + fmtNs(M.binned.binNs) + "): " + fmtBytes(M.tlV[i]) + " – " +
        fmtBytes(M.tlV[i + 1]) + ", " + fmtBytes(M.tlV[i + 2]) + " at its end"]);
    } else {
      rows.push([C.live, "live " + tw() + ": " + fmtBytes(i >= 0 ? M.tlV[i] : 0) + " (" + exact(i >= 0 ? M.tlV[i] : 0) + " B)"]);
    }
    if (M.rssT.length) {
      var j = upperBound(M.rssT, 0, M.rssT.length, t) - 1;
      rows.push([C.rss, "RSS: " + (j >= 0 ? fmtBytes(M.rssV[j]) + " (sample at " + fmtNs(M.rssT[j]) + ")" : "no sample yet")]);
    }
    M.drawn.forEach(function (k) {
      if (TL.hidden["t" + k]) return;
      var s = M.series[k], q = upperBound(s.T, 0, s.T.length, t) - 1;
      rows.push([C.threads[M.threads[k].color], threadLabel(M.threads[k]) + ": " + fmtBytes(q >= 0 ? s.V[q] : 0)]);
    });
    var step = (TL.v[1] - TL.v[0]) / Math.max(1, L.r - L.l);
    showTooltip(e.clientX, e.clientY, "t = " + fmtTimeAt(t, step, TL.v[1] - TL.v[0]), rows);
  }
  function timelineLeave() {
    TL.hoverX = null;
    drawOverlay();
    hideTooltip();
  }

  /* Keyboard: arrows pan by 10 % (Shift: 50 %), + / - zoom around the centre, Escape resets. */
  function timelineKey(e) {
    var vr = viewRange(), span = vr[1] - vr[0], D = M.tEnd, a, b;
    if (e.key === "ArrowLeft" || e.key === "ArrowRight") {
      var d = span * (e.shiftKey ? 0.5 : 0.1) * (e.key === "ArrowLeft" ? -1 : 1);
      a = vr[0] + d; b = vr[1] + d;
      if (a < 0) { b -= a; a = 0; }
      if (b > D) { a -= b - D; b = D; }
      if (a <= 0 && b >= D) setWindow(null); else setWindow(Math.max(0, a), b);
    } else if (e.key === "+" || e.key === "=" || e.key === "Add") {
      zoomBy(0.5);
    } else if (e.key === "-" || e.key === "_" || e.key === "Subtract") {
      zoomBy(2);
    } else if (e.key === "Escape") {
      setWindow(null);
    } else {
      return;
    }
    e.preventDefault();
  }
  function zoomBy(f) {
    var vr = viewRange(), c = (vr[0] + vr[1]) / 2, half = Math.max(5, (vr[1] - vr[0]) * f / 2), D = M.tEnd;
    var a = c - half, b = c + half;
    if (a < 0) { b -= a; a = 0; }
    if (b > D) { a = Math.max(0, a - (b - D)); b = D; }
    if (a <= 0 && b >= D) setWindow(null); else setWindow(a, b);
  }

  function buildTimeline() {
    if (M.binned)
      $("timeline-help").textContent = "Drag across the chart to zoom into a time window (bins of " + fmtNs(M.binned.binNs) +
        "); the live-at-exit list then shows the allocations made in it, the other tables stay the whole run's. " +
        "Keyboard (focus the chart): \u2190 \u2192 pan, + \u2212 zoom, Esc resets.";
    var lg = $("timeline-legend");
    function toggle(key, label, color) {
      var b = el("button");
      b.type = "button";
      b.setAttribute("aria-pressed", "true");
      b.appendChild(swatch(color, false));
      b.appendChild(el("span", null, label));
      b.addEventListener("click", guard(function () {
        TL.hidden[key] = !TL.hidden[key];
        b.setAttribute("aria-pressed", TL.hidden[key] ? "false" : "true");
        drawTimeline();
      }));
      lg.appendChild(b);
    }
    toggle("total", "Live " + tw() + " bytes", "var(--live)");
    if (M.rssT.length) toggle("rss", "Process RSS (right axis)", "var(--rss)");
    M.drawn.forEach(function (k) { toggle("t" + k, threadLabel(M.threads[k]), threadColor(M.threads[k])); });
    if (M.undrawn > 0) lg.appendChild(el("span", "note", "+" + M.undrawn + " smaller threads not drawn"));
    var canvas = $("timeline");
    canvas.addEventListener("mousedown", guard(function (e) {
      if (e.button !== 0 || !TL.L) return;
      var x = timelineX(e);
      if (x < TL.L.l || x > TL.L.r) return;
      e.preventDefault();
      canvas.focus();
      hideTooltip();
      TL.drag = { x0: x, x1: x };
      drawOverlay();
    }));
    window.addEventListener("mousemove", guard(function (e) {
      if (!TL.drag) return;
      TL.drag.x1 = Math.min(Math.max(timelineX(e), TL.L.l), TL.L.r);
      drawOverlay();
    }));
    window.addEventListener("mouseup", guard(function () {
      if (!TL.drag) return;
      var d = TL.drag;
      TL.drag = null;
      if (Math.abs(d.x1 - d.x0) >= 3) setWindow(xToTime(Math.min(d.x0, d.x1)), xToTime(Math.max(d.x0, d.x1)));
      else drawOverlay();
    }));
    canvas.addEventListener("mousemove", guard(timelineHover));
    canvas.addEventListener("mouseleave", guard(timelineLeave));
    canvas.addEventListener("keydown", guard(timelineKey));
    canvas.addEventListener("blur", guard(timelineLeave));
    /* With nothing focused, Escape and + / - act on the timeline too (arrows keep scrolling). */
    document.addEventListener("keydown", guard(function (e) {
      if (e.target !== document.body && e.target !== document.documentElement) return;
      if (e.key === "Escape" || e.key === "+" || e.key === "=" || e.key === "-" || e.key === "_") timelineKey(e);
    }));
    $("window-reset").addEventListener("click", guard(function () { setWindow(null); }));
  }

  /* ------------------------------------------------------------------ 4c. system charts */

  var SYS_DEFS = [
    { metric: "cpu", title: "CPU", series: [
      { key: "cpu_usage_percent", bit: BIT.CPU, label: "process (% of one core)", color: "live", axis: 0, fmt: fmtPct },
      { key: "system_cpu_percent", bit: BIT.SYSTEM_CPU, label: "system (% of all CPUs)", color: "rss", axis: 0, fmt: fmtPct }] },
    { metric: "memory", title: "Memory", series: [
      { key: "memory_usage_bytes", bit: BIT.MEMORY, label: "RSS", color: "live", axis: 0, fmt: fmtBytes, bytes: true },
      { key: "peak_rss_bytes", bit: BIT.PEAK_RSS, label: "peak RSS", color: "s2", axis: 0, fmt: fmtBytes, bytes: true, dash: true },
      { key: "memory_usage_percent", bit: BIT.MEMORY_PERCENT, label: "RSS % of limit (right)", color: "rss", axis: 1, fmt: fmtPct }] },
    { metric: "disk", title: "Disk I/O", series: [
      { key: "disk_read_bps", bit: BIT.DISK, label: "read", color: "live", axis: 0, fmt: fmtBps, bytes: true },
      { key: "disk_write_bps", bit: BIT.DISK, label: "write", color: "rss", axis: 0, fmt: fmtBps, bytes: true }] },
    { metric: "network", title: "Network (namespace)", series: [
      { key: "network_rx_bps", bit: BIT.NETWORK, label: "rx", color: "live", axis: 0, fmt: fmtBps, bytes: true },
      { key: "network_tx_bps", bit: BIT.NETWORK, label: "tx", color: "rss", axis: 0, fmt: fmtBps, bytes: true }] },
    { metric: "gpu", title: "GPU", series: [
      { key: "gpu_usage_percent", bit: BIT.GPU_USAGE, label: "usage", color: "live", axis: 0, fmt: fmtPct },
      { key: "gpu_memory_used", bit: BIT.GPU_MEMORY, label: "memory used (right)", color: "rss", axis: 1, fmt: fmtBytes, bytes: true },
      { key: "gpu_memory_total", bit: BIT.GPU_MEMORY, label: "memory total (right)", color: "s2", axis: 1, fmt: fmtBytes, bytes: true, dash: true }] }
  ];
  var SYS = { charts: [] };

  function buildSystem() {
    var snaps = M.r.system_snapshots, host = $("system-charts"), note = $("system-note");
    if (!snaps.length) {
      note.textContent = M.whole ? "System monitoring was off for this run: memscope run --monitor -- PROGRAM records CPU, memory, disk, network and GPU." :
        "System monitoring was off for this run: memscope_with_system_monitoring(t) records CPU, memory, disk, network and GPU.";
      return;
    }
    var last = snaps[snaps.length - 1], info = [plural(snaps.length, "snapshot")];
    if (snaps.length > 1) info.push("every ~" + fmtNs((M.snapT[snaps.length - 1] - M.snapT[0]) / (snaps.length - 1)));
    if (last.available & BIT.CPU_COUNT) info.push(plural(last.cpu_count, "CPU"));
    if (Number(last.memory_limit_bytes) > 0) info.push("memory limit " + fmtBytes(Number(last.memory_limit_bytes)));
    info.push(last.gpu_count ? plural(last.gpu_count, "GPU") : "no GPU");
    note.textContent = info.join(" · ");
    SYS_DEFS.forEach(function (def) {
      var series = def.series.filter(function (s) { return M.snapBits & s.bit; });
      if (!series.length) return;
      series = series.map(function (s) {
        var vals = new Float64Array(snaps.length);
        for (var i = 0; i < snaps.length; i++) vals[i] = (snaps[i].available & s.bit) ? Number(snaps[i][s.key]) : NaN;
        return { def: s, V: vals };
      });
      var fig = el("figure", "mini");
      fig.appendChild(el("h3", null, def.title));
      var lg = el("div", "mini-legend");
      series.forEach(function (s) {
        var sp = el("span");
        sp.appendChild(swatch("var(--" + s.def.color + ")", false));
        sp.appendChild(el("span", null, s.def.label));
        lg.appendChild(sp);
      });
      fig.appendChild(lg);
      var wrap = el("div", "chart-wrap"), canvas = el("canvas");
      canvas.setAttribute("data-metric", def.metric);
      canvas.setAttribute("role", "img");
      wrap.appendChild(canvas);
      fig.appendChild(wrap);
      host.appendChild(fig);
      var ch = { def: def, series: series, canvas: canvas, wrap: wrap, hover: -1, L: null, v: null };
      canvas.setAttribute("aria-label", def.title + ": " + series.map(function (s) {
        var mx = -Infinity, sum = 0, n = 0;
        for (var i = 0; i < s.V.length; i++) if (!isNaN(s.V[i])) { mx = Math.max(mx, s.V[i]); sum += s.V[i]; n++; }
        return s.def.label + " mean " + s.def.fmt(n ? sum / n : NaN) + ", max " + s.def.fmt(n ? mx : NaN);
      }).join("; "));
      canvas.addEventListener("mousemove", guard(function (e) { miniHover(ch, e); }));
      canvas.addEventListener("mouseleave", guard(function () { ch.hover = -1; drawMini(ch); hideTooltip(); }));
      SYS.charts.push(ch);
    });
  }

  function drawMini(ch) {
    var C = colors(), w = ch.wrap.clientWidth, h = ch.wrap.clientHeight;
    var ctx = setupCanvas(ch.canvas, w, h);
    var two = ch.series.some(function (s) { return s.def.axis === 1; });
    var L = ch.L = { w: w, l: 62, r: w - (two ? 62 : 14), t: 8, b: h - 20 };
    var vr = ch.v = viewRange(), v0 = vr[0], v1 = vr[1], T = M.snapT, n = T.length;
    var lo = Math.max(0, lowerBound(T, 0, n, v0) - 1), hi = Math.min(n, upperBound(T, 0, n, v1) + 1);
    var max = [0, 0], i;
    ch.series.forEach(function (s) {
      for (i = lo; i < hi; i++) if (s.V[i] > max[s.def.axis]) max[s.def.axis] = s.V[i];
    });
    var first = [null, null];
    ch.series.forEach(function (s) { if (!first[s.def.axis]) first[s.def.axis] = s.def; });
    var ax = [0, 1].map(function (a) {
      return first[a] ? niceAxis(max[a] * 1.05, 3, !!first[a].bytes) : null;
    });
    var pw = Math.max(1, L.r - L.l), ph = Math.max(1, L.b - L.t);
    var axisFmt = function (d) { return !d ? fmtCount : d.fmt === fmtPct ? fmtPctAxis : d.fmt; };
    drawFrame(ctx, L, v0, v1, ax[0] || niceAxis(1, 3, false), axisFmt(first[0]),
      ax[1], axisFmt(first[1]), first[1] ? C[ch.series.filter(function (s) { return s.def.axis === 1; })[0].def.color] : null,
      Math.max(2, Math.floor(pw / 90)));
    var xOf = function (t) { return L.l + (t - v0) / (v1 - v0) * pw; };
    ctx.save();
    ctx.beginPath();
    ctx.rect(L.l, L.t - 3, pw, ph + 4);
    ctx.clip();
    ch.series.forEach(function (s) {
      var a = ax[s.def.axis];
      var yOf = function (v) { return L.b - v / a.max * ph; };
      ctx.strokeStyle = C[s.def.color];
      ctx.fillStyle = C[s.def.color];
      ctx.lineWidth = 1.5;
      ctx.setLineDash(s.def.dash ? [4, 3] : []);
      ctx.beginPath();
      var pen = false, lone = [];
      for (i = lo; i < hi; i++) {
        var v = s.V[i];
        if (isNaN(v)) { pen = false; continue; }
        var x = xOf(T[i]), y = yOf(v);
        if (!pen) {
          ctx.moveTo(x, y);
          if (i + 1 >= hi || isNaN(s.V[i + 1])) lone.push([x, y]);
        } else {
          ctx.lineTo(x, y);
        }
        pen = true;
      }
      ctx.stroke();
      ctx.setLineDash([]);
      lone.forEach(function (p) { ctx.beginPath(); ctx.arc(p[0], p[1], 2.5, 0, 7); ctx.fill(); });
      if (ch.hover >= 0 && !isNaN(s.V[ch.hover])) {
        ctx.beginPath(); ctx.arc(xOf(T[ch.hover]), yOf(s.V[ch.hover]), 3.5, 0, 7); ctx.fill();
      }
    });
    if (ch.hover >= 0) {
      ctx.strokeStyle = C.axis;
      ctx.lineWidth = 1;
      ctx.beginPath();
      var hx = Math.round(xOf(T[ch.hover])) + 0.5;
      ctx.moveTo(hx, L.t); ctx.lineTo(hx, L.b);
      ctx.stroke();
    }
    ctx.restore();
  }

  function miniHover(ch, e) {
    var L = ch.L, T = M.snapT, n = T.length;
    if (!L || !n) return;
    var x = e.clientX - ch.canvas.getBoundingClientRect().left;
    if (x < L.l || x > L.r) { ch.hover = -1; drawMini(ch); hideTooltip(); return; }
    var t = ch.v[0] + (x - L.l) / (L.r - L.l) * (ch.v[1] - ch.v[0]);
    var i = lowerBound(T, 0, n, t);
    if (i >= n || (i > 0 && t - T[i - 1] < T[i] - t)) i--;
    ch.hover = i;
    drawMini(ch);
    var C = colors();
    showTooltip(e.clientX, e.clientY, ch.def.title + " at " + fmtNs(T[i]), ch.series.map(function (s) {
      return [C[s.def.color], s.def.label + ": " + (isNaN(s.V[i]) ? "not measured" : s.def.fmt(s.V[i]))];
    }));
  }

  /* ------------------------------------------------------------------ 4d. hotspots */

  var HS = { key: "bytes", dir: -1, filter: "", all: false, tbody: null, rows: null, total: 0, by: "where", attrib: false };
  /* whole-program mode: rows by where the program allocated (or by whole stack) */
  var HS_COLS_WHERE = [
    { key: "var", label: "Where (function)" }, { key: "location", label: "File:line" },
    { key: "bytes", label: "Allocated", num: true }, { key: "count", label: "Calls", num: true },
    { key: "leaked", label: "Leaked", num: true, title: "bytes still live at the end" },
    { key: "peak", label: "At peak", num: true, title: "bytes live at the moment of the peak" },
    { key: "share", label: "Share of bytes", num: true }];
  var HS_COLS = [
    { key: "var", label: "Variable" }, { key: "type", label: "Type" }, { key: "location", label: "Location" },
    { key: "bytes", label: "Bytes", num: true }, { key: "count", label: "Count", num: true },
    { key: "share", label: "Share of bytes", num: true }];

  /* Rows of the scope: report.hotspots for the whole run (exact, even with dropped events);
     for a window, the allocations made in it grouped the same way (name, type, file:line). */
  /* The where frame of a stack and its callers, outermost last: "f ← g ← h". */
  function stackChain(st, n) {
    var from = st.where >= 0 ? st.where : 0, parts = [];
    for (var i = from; i < st.labels.length && parts.length < n; i++) parts.push(visible(st.labels[i]));
    if (st.labels.length - from > n) parts.push("…");
    return parts.join(" ← ");
  }
  /* Whole-program rows: the stacks' costs grouped by their where frame (HS.by "where") or
     one row per stack ("stack"). */
  function attribRows() {
    var groups = new Map(), rows = [];
    stackCosts().forEach(function (c) {
      var st = M.stacks[c.stack];
      if (!c.count) return;
      var key = !st ? "\u0002" + c.stack : HS.by === "stack" ? "s" + c.stack : st.whereKey;
      var g = groups.get(key);
      if (!g) {
        g = { name: st ? (HS.by === "stack" ? stackChain(st, 6) : visible(st.whereName)) : "stack " + c.stack, type: "",
          loc: st ? st.whereLoc : null, bytes: 0, count: 0, leaked: 0, peak: 0, stacks: 0, supp: 0,
          text: st ? st.text : "", st: st };
        groups.set(key, g);
        rows.push(g);
      }
      g.bytes += c.bytes; g.count += c.count; g.stacks++;
      /* suppressed leaks (glibc's buffers, a suppressions file) are not counted as leaked */
      var sup = st && st.suppressed && c.leaked ? c.leaked : 0;
      g.supp += sup;
      g.leaked = c.leaked === null || g.leaked === null ? null : g.leaked + c.leaked - sup;
      g.peak = c.peak === null || g.peak === null ? null : g.peak + c.peak;
    });
    return rows;
  }

  function hotspotRows() {
    if (HS.attrib) return attribRows();
    if (!eventWin()) {
      return M.r.hotspots.map(function (h) {
        return { name: h.var_name == null ? "" : String(h.var_name), type: h.type_name == null ? "" : String(h.type_name),
          loc: h.location == null ? null : String(h.location), bytes: Number(h.total_size) || 0, count: Number(h.allocation_count) || 0 };
      });
    }
    var a = windowAgg(), groups = new Map(), rows = [];
    function add(key, name, type, loc, b, c) {
      var g = groups.get(key);
      if (!g) { g = { name: name, type: type, loc: loc, bytes: 0, count: 0 }; groups.set(key, g); rows.push(g); }
      g.bytes += b; g.count += c;
    }
    for (var s = 0; s < a.siteCount.length; s++) {
      if (!a.siteCount[s]) continue;
      var site = M.sites[s];
      if (site) add(site.key, site.name, site.type, site.loc, a.siteBytes[s], a.siteCount[s]);
      else add("\u0002" + s, "(site " + s + ")", "", null, a.siteBytes[s], a.siteCount[s]);
    }
    a.other.forEach(function (o, s) { add("\u0002" + s, "(site " + s + ")", "", null, o.b, o.c); });
    return rows;
  }

  function sortHotspots(rows) {
    var k = HS.key, d = HS.dir;
    rows.sort(function (x, y) {
      var c;
      if (k === "bytes" || k === "share") c = x.bytes - y.bytes;
      else if (k === "count") c = x.count - y.count;
      else if (k === "leaked" || k === "peak") c = (x[k] || 0) - (y[k] || 0);
      else {
        var p = k === "var" ? x.name : k === "type" ? x.type : x.loc, q = k === "var" ? y.name : k === "type" ? y.type : y.loc;
        if (p === q) c = 0;
        else if (p === null) return 1;      // unknown locations last in either order
        else if (q === null) return -1;
        else c = collator.compare(p, q);
      }
      return c * d || y.bytes - x.bytes;
    });
  }

  function renderHotspots() {
    var tbody = HS.tbody, rows = hotspotRows();
    var total = 0, i;
    for (i = 0; i < rows.length; i++) total += rows[i].bytes;
    var q = HS.filter.toLowerCase();
    var shown = q ? rows.filter(function (r) {
      return (r.name + "\n" + r.type + "\n" + (r.loc || "") + (r.text ? "\n" + r.text : "")).toLowerCase().indexOf(q) >= 0;
    }) : rows;
    sortHotspots(shown);
    clear(tbody);
    var frag = document.createDocumentFragment(), lim = HS.all ? shown.length : Math.min(shown.length, HOTSPOT_ROWS);
    for (i = 0; i < lim; i++) {
      var r = shown[i], tr = el("tr");
      tr.setAttribute("data-bytes", String(r.bytes));
      if (HS.attrib) {
        tr.setAttribute("data-count", String(r.count));
        tr.appendChild(td(r.name, "text", r.text || r.name));
        tr.appendChild(r.loc === null ? td(r.st && r.st.where >= 0 ? "no line info" : "unknown", "null") : td(visible(r.loc), "text",
          r.st && r.st.where >= 0 && r.st.frames[r.st.where].file ? visible(String(r.st.frames[r.st.where].file)) + ":" + r.st.frames[r.st.where].line : null));
        tr.appendChild(td(fmtBytes(r.bytes), "num", exact(r.bytes) + " bytes"));
        tr.appendChild(td(fmtCount(r.count), "num", exact(r.count) + " calls" + (HS.by === "where" ? " from " + plural(r.stacks, "stack") : "")));
        tr.appendChild(r.leaked === null ? td("–", "num null") : td(fmtBytes(r.leaked), "num" + (r.leaked > 0 ? " bad" : ""), exact(r.leaked) + " bytes live at the end" +
          (r.supp ? " (and " + exact(r.supp) + " suppressed bytes not counted)" : "")));
        tr.appendChild(r.peak === null ? td("–", "num null") : td(fmtBytes(r.peak), "num", exact(r.peak) + " bytes live at the peak"));
      } else {
        tr.appendChild(td(visible(r.name), "text"));
        tr.appendChild(td(visible(r.type), "text"));
        tr.appendChild(r.loc === null ? td("unknown", "null") : td(visible(r.loc), "text"));
        tr.appendChild(td(fmtBytes(r.bytes), "num", exact(r.bytes) + " bytes"));
        tr.appendChild(td(fmtCount(r.count), "num", exact(r.count) + " allocations"));
      }
      var share = total > 0 ? r.bytes / total : 0, c = el("td", "num share");
      var bar = el("div", "bar");
      bar.style.width = (share * 100).toFixed(2) + "%";
      c.appendChild(bar);
      c.appendChild(el("span", null, fmtPct(share * 100)));
      c.title = exact(r.bytes) + " of " + exact(total) + " bytes";
      tr.appendChild(c);
      frag.appendChild(tr);
    }
    emptyNote("hotspots", shown.length ? "" : rows.length ? "No hotspot matches the filter." :
      eventWin() ? "No allocation was made in this window." : "No allocation was recorded.");
    tbody.appendChild(frag);
    var foot = $("hotspots-foot");
    clear(foot);
    var count = 0;
    for (i = 0; i < rows.length; i++) count += rows[i].count;
    foot.appendChild(document.createTextNode((q ? exact(shown.length) + " of " : "") +
      plural(rows.length, !HS.attrib ? "site" : HS.by === "where" ? "place" : "stack") + " · " +
      fmtBytes(total) + " in " + plural(count, "allocation") + (eventWin() ? " made in the window" : " (whole run)") + ". "));
    if (lim < shown.length) {
      var more = el("button", "btn", "Show all " + exact(shown.length) + " rows");
      more.type = "button";
      more.addEventListener("click", guard(function () { HS.all = true; renderHotspots(); }));
      foot.appendChild(more);
    }
  }

  function buildHotspots() {
    /* whole-program mode: the sites are only malloc, calloc...; attribute by call stack */
    HS.attrib = M.whole && M.r.stacks.length > 0;
    HS.tbody = sortableHead($("hotspots"), HS.attrib ? HS_COLS_WHERE : HS_COLS, HS, function () { renderHotspots(); });
    if (HS.attrib) {
      $("h-hotspots").textContent = "Where the program allocates";
      var input0 = $("hotspots-filter");
      input0.placeholder = "Filter by function, file, module, stack";
      input0.setAttribute("aria-label", "Filter by function, file, module or call stack");
      $("hotspots").querySelector("caption").textContent = "Allocations by the first frame outside the allocator and the C/C++ runtime";
      segmented($("hotspots-by"), [["where", "By where it allocates", "Grouped by the first frame outside the allocator, libc, libstdc++ and the loader"],
        ["stack", "By whole stack", "One row per call stack"]], HS.by, function (v) { HS.by = v; HS.all = false; renderHotspots(); });
      var note = el("p", "hint", "Whole-program run: each allocation is charged to the first frame of its call stack outside the " +
        "allocator, libc, libstdc++, the loader and memscope. Leaked: bytes still live at the end; at peak: bytes live at the peak.");
      $("hotspots-foot").parentNode.insertBefore(note, $("hotspots-foot").nextSibling);
    }
    var timer = 0, input = $("hotspots-filter");
    input.addEventListener("input", guard(function () {
      clearTimeout(timer);
      timer = setTimeout(guard(function () { HS.filter = input.value; renderHotspots(); }), 80);
    }));
  }

  /* ------------------------------------------------------------------ 4e. live at exit */

  /* stack: the flat list shows the allocations of this stack id only (null: all), set by a
     click on a leak group */
  var LK = { key: "size", dir: -1, query: "", page: 0, rows: new Uint32Array(0), tbody: null, rank: null, stack: null };
  var LK_COLS = [
    { key: "address", label: "Address" }, { key: "size", label: "Size", num: true }, { key: "var", label: "Variable" },
    { key: "type", label: "Type" }, { key: "location", label: "Location" }, { key: "thread", label: "Thread" },
    { key: "time", label: "Allocated at", num: true }, { key: "stack", label: "Stack (first named frame)" }];

  /* Leaks of the scope: all, or those allocated in the window (the list is in time order). */
  function leakScope() {
    if (!V.win) return M.leaks;
    var L = M.leaks, T = M.t, lo = 0, hi = L.length, m;
    while (lo < hi) { m = (lo + hi) >>> 1; if (T[L[m]] < V.win.t0) lo = m + 1; else hi = m; }
    var a = lo;
    hi = L.length;
    while (lo < hi) { m = (lo + hi) >>> 1; if (T[L[m]] <= V.win.t1) lo = m + 1; else hi = m; }
    return L.subarray(a, lo);
  }

  /* Collation ranks of the text columns, computed once on first use. */
  function leakRanks() {
    if (LK.rank) return LK.rank;
    var sites = [], stacks = [], threads = [], i;
    for (i = 0; i <= M.maxSite; i++) sites.push(M.sites[i] || null);
    for (i = 0; i <= M.maxStack; i++) stacks.push(M.stacks[i] ? M.stacks[i].first : null);
    M.threads.forEach(function (th) { threads.push(th.name ? th.name + " " + th.id : "\uffff" + th.id); });
    LK.rank = {
      var: ranks(sites.map(function (s) { return s ? s.name : null; })),
      type: ranks(sites.map(function (s) { return s ? s.type : null; })),
      location: ranks(sites.map(function (s) { return s ? s.loc : null; })),
      stack: ranks(stacks), thread: ranks(threads)
    };
    return LK.rank;
  }

  function computeLeakRows() {
    var scope = leakScope(), q = LK.query.trim().toLowerCase(), rows, i, n = scope.length;
    if (LK.stack !== null) {
      var only = new Uint32Array(n), no = 0, want = LK.stack;
      for (i = 0; i < n; i++) if (M.stack[scope[i]] === want) only[no++] = scope[i];
      scope = only.subarray(0, no);
      n = no;
    }
    if (!q) {
      rows = Uint32Array.from(scope);
    } else {
      var siteHit = new Uint8Array(M.maxSite + 1), stackHit = new Uint8Array(M.maxStack + 1), thHit = new Uint8Array(M.threads.length);
      M.sites.forEach(function (s) { if (s && s.text.indexOf(q) >= 0) siteHit[s.id] = 1; });
      M.stacks.forEach(function (s) { if (s && s.text.toLowerCase().indexOf(q) >= 0) stackHit[s.id] = 1; });
      M.threads.forEach(function (th) { if ((th.name + " " + th.id).toLowerCase().indexOf(q) >= 0) thHit[th.index] = 1; });
      var out = new Uint32Array(n), m = 0;
      for (i = 0; i < n; i++) {
        var e = scope[i];
        if (siteHit[M.site[e]] || stackHit[M.stack[e]] || thHit[M.thr[e]] || hex(M.addr[e]).indexOf(q) >= 0) out[m++] = e;
      }
      rows = out.slice(0, m);
    }
    var d = LK.dir, k = LK.key, S = M.size, A = M.addr, cmp;
    if (k === "size") cmp = function (a, b) { return (S[a] - S[b]) * d || a - b; };
    else if (k === "address") cmp = function (a, b) { return (A[a] - A[b]) * d || a - b; };
    else if (k === "time") cmp = function (a, b) { return (a - b) * d; };
    else {
      var rk = leakRanks()[k], col = k === "stack" ? M.stack : k === "thread" ? M.thr : M.site;
      cmp = function (a, b) { return (rk[col[a]] - rk[col[b]]) * d || a - b; };
    }
    if (!(k === "time" && d > 0)) rows.sort(cmp);
    LK.rows = rows;
  }

  function renderLeaks() {
    var rows = LK.rows, total = rows.length, pages = Math.max(1, Math.ceil(total / PAGE_ROWS));
    if (LK.page >= pages) LK.page = pages - 1;
    if (LK.page < 0) LK.page = 0;
    var table = $("leaks"), tbody = LK.tbody;
    table.setAttribute("data-total", String(total));
    clear(tbody);
    var frag = document.createDocumentFragment(), start = LK.page * PAGE_ROWS, end = Math.min(total, start + PAGE_ROWS);
    var step = M.tEnd / 10000;
    for (var i = start; i < end; i++) {
      var e = rows[i], s = M.sites[M.site[e]], th = M.threads[M.thr[e]], st = M.stacks[M.stack[e]];
      var tr = el("tr");
      tr.setAttribute("data-bytes", String(M.size[e]));
      tr.appendChild(td(hex(M.addr[e]), "mono"));
      tr.appendChild(td(fmtBytes(M.size[e]), "num", exact(M.size[e]) + " bytes"));
      /* cells are clipped to one line: the title holds the whole text */
      var name = s ? visible(s.name) : "(site " + M.site[e] + ")", type = s ? visible(s.type) : "";
      tr.appendChild(td(name, "text", name));
      tr.appendChild(td(type, "text", type));
      tr.appendChild(s && s.loc !== null ? td(visible(s.loc), "text", visible(s.loc)) : td("unknown", "null"));
      var tc = td(th ? threadLabel(th) : "", "text", th ? threadLabel(th) : "");
      if (th && th.color >= 0) tc.insertBefore(swatch(threadColor(th), true), tc.firstChild);
      tr.appendChild(tc);
      tr.appendChild(td(fmtTimeAt(M.t[e], step, M.tEnd), "num", exact(M.t[e]) + " ns after the tracker was created"));
      tr.appendChild(st ? td(visible(st.first), "text", st.text) : td(M.stack[e] ? "stack " + M.stack[e] : "none", "null"));
      frag.appendChild(tr);
    }
    emptyNote("leaks", total ? "" : LK.query ? "No live allocation matches the search." :
      LK.stack !== null ? "No live allocation of this call stack" + (V.win ? " was made in this window." : " is in this page's events.") :
      !M.n && (Number(M.r.active_allocations) || 0) > 0 ? "No events were retained, so the live allocations cannot be listed." :
      V.win ? "No allocation made in this window is still live." :
      pageCut() ? "Nothing allocated in this page's events is still live at its last event; the run's other events are not in this page." :
      "Nothing is live at exit: no leak.");
    tbody.appendChild(frag);
    $("leaks-page").textContent = "page " + (LK.page + 1) + " of " + pages;
    $("leaks-prev").disabled = LK.page <= 0;
    $("leaks-next").disabled = LK.page >= pages - 1;
    var bytes = 0;
    for (i = 0; i < total; i++) bytes += M.size[rows[i]];
    var cap = $("leaks").querySelector("caption");
    cap.textContent = plural(total, "allocation") + " still live, " + exact(bytes) + " bytes";
    table.setAttribute("data-stack", LK.stack === null ? "" : String(LK.stack));
    renderStackFilter(total, bytes);
    $("leaks-scope").textContent = (V.win ? "allocated in the window" : pageCut() ? "this page's events" : "whole run") + " · " +
      plural(total, "allocation") + ", " + fmtBytes(bytes) + (LK.query ? " matching" : "") + (LK.stack !== null ? " of stack " + LK.stack : "") +
      ((Number(M.r.dropped_events) || 0) > 0 ? " · events were dropped: some of these may have been freed" :
       pageCut() ? " · live at the last event of this page, which holds the first of the run's events only" : "");
  }

  /* ---- live allocations grouped by call stack (largest first), suppressed ones apart ---- */

  var LG = { on: false, view: "flat", all: false, key: "bytes", dir: -1, sup: { key: "bytes", dir: -1 } };
  var GROUP_ROWS = 200;   // group rows built before "show all"

  /* Groups of the scope: the report's per-stack leak costs for the whole run, else the leaks of
     the window grouped by stack id. Each {stack, count, bytes, first, last, suppressed}. */
  function leakGroups() {
    var out = [], q = LK.query.trim().toLowerCase();
    if (!V.win && M.hasCosts) {
      M.stacks.forEach(function (st) {
        var c = st && st.costs;
        if (c && c.leakedCount > 0) out.push({ stack: st.id, count: c.leakedCount, bytes: c.leaked, first: c.firstLeak, last: c.lastLeak, suppressed: st.suppressed });
      });
    } else {
      var L = leakScope(), by = new Map();
      for (var i = 0; i < L.length; i++) {
        var e = L[i], k = M.stack[e], g = by.get(k);
        if (!g) {
          g = { stack: k, count: 0, bytes: 0, first: M.t[e], last: M.t[e], suppressed: M.stacks[k] ? M.stacks[k].suppressed : null };
          by.set(k, g);
          out.push(g);
        }
        g.count++; g.bytes += M.size[e]; g.last = M.t[e];
      }
    }
    if (q) out = out.filter(function (g) {
      var st = M.stacks[g.stack];
      return st ? (st.whereName + "\n" + (st.whereLoc || "") + "\n" + st.text).toLowerCase().indexOf(q) >= 0 : false;
    });
    return out;
  }

  /* Sorts groups by a column of the groups table (state {key, dir}); ties: most bytes first. */
  function sortGroups(list, state) {
    var k = state.key, d = state.dir;
    function text(g) {
      var st = M.stacks[g.stack];
      return !st ? null : k === "where" ? st.whereName : st.whereLoc;
    }
    list.sort(function (a, b) {
      var c;
      if (k === "where" || k === "loc") {
        var p = text(a), q = text(b);
        if (p === q) c = 0;
        else if (p === null) return 1;      // unknown last in either order
        else if (q === null) return -1;
        else c = collator.compare(p, q);
      } else {
        c = (Number(a[k]) || 0) - (Number(b[k]) || 0);
      }
      return c * d || b.bytes - a.bytes || b.count - a.count || a.stack - b.stack;
    });
    return list;
  }

  /* The frames of a stack, one a line, innermost first; the where frame marked. */
  function stackLines(st) {
    return st.frames.map(function (f, i) {
      var loc = f && f.file ? "  " + visible(String(f.file)) + ":" + f.line : "";
      var mod = f && f.module ? "  (" + visible(baseName(String(f.module))) + (f["function"] ? "" : "") + ")" : "";
      return (i === st.where ? "→ " : "  ") + visible(st.labels[i]) + loc + mod;
    }).join("\n");
  }

  var LG_COLS = [
    { key: "where", label: "Where (function)" }, { key: "loc", label: "File:line" },
    { key: "count", label: "Leaks", num: true, title: "allocations still live" }, { key: "bytes", label: "Bytes", num: true },
    { key: "first", label: "First allocated", num: true, title: "when the first of them was allocated" },
    { key: "last", label: "Last allocated", num: true, title: "when the last of them was allocated" }, { label: "Call stack" }];

  function groupRows(tbody, groups, lim) {
    var frag = document.createDocumentFragment(), step = M.tEnd / 10000;
    for (var i = 0; i < lim; i++) {
      var g = groups[i], st = M.stacks[g.stack], tr = el("tr", "pick-row" + (LK.stack === g.stack ? " picked" : ""));
      tr.tabIndex = 0;
      tr.title = "List these " + plural(g.count, "allocation") + " one by one (stack " + g.stack + ")";
      if (LK.stack === g.stack) tr.setAttribute("aria-current", "true");
      tr.setAttribute("data-bytes", String(g.bytes));
      tr.setAttribute("data-count", String(g.count));
      tr.setAttribute("data-stack", String(g.stack));
      if (st) {
        tr.appendChild(td(visible(st.whereName), "text", stackChain(st, 12)));
        tr.appendChild(st.whereLoc === null ? td(st.where >= 0 ? "no line info" : "unknown", "null") :
          td(visible(st.whereLoc), "text", visible(String(st.frames[st.where].file)) + ":" + st.frames[st.where].line));
      } else {
        tr.appendChild(td(g.stack ? "stack " + g.stack : "no call stack", "null"));
        tr.appendChild(td("unknown", "null"));
      }
      tr.appendChild(td(fmtCount(g.count), "num", plural(g.count, "allocation") + " still live"));
      tr.appendChild(td(fmtBytes(g.bytes), "num", exact(g.bytes) + " bytes"));
      tr.appendChild(td(fmtTimeAt(g.first, step, M.tEnd), "num", exact(g.first) + " ns after the start"));
      tr.appendChild(td(fmtTimeAt(g.last, step, M.tEnd), "num", exact(g.last) + " ns after the start"));
      var c = el("td", "text stack-cell");
      if (st && st.frames.length) {
        var d = el("details"), sm = el("summary", null, plural(st.frames.length, "frame"));
        d.appendChild(sm);
        d.appendChild(el("pre", "stack", stackLines(st)));
        c.appendChild(d);
      } else {
        c.textContent = "–";
      }
      tr.appendChild(c);
      frag.appendChild(tr);
    }
    clear(tbody);
    tbody.appendChild(frag);
  }

  /* A click on a group (or Enter on its focused row) lists its allocations one by one; a
     click inside its "N frames" disclosure only opens that. */
  function groupClicks(tbody) {
    function pick(e) {
      var tr = e.target.closest ? e.target.closest("tr[data-stack]") : null;
      if (!tr || !tbody.contains(tr) || e.target.closest("details")) return;
      filterLeaksToStack(Number(tr.getAttribute("data-stack")));
    }
    tbody.addEventListener("click", guard(pick));
    tbody.addEventListener("keydown", guard(function (e) {
      if ((e.key === "Enter" || e.key === " ") && e.target.matches && e.target.matches("tr[data-stack]")) {
        e.preventDefault();
        pick(e);
      }
    }));
  }

  /* The flat list, filtered to one stack (null: every allocation again). */
  function filterLeaksToStack(id) {
    LK.stack = id;
    LK.page = 0;
    computeLeakRows();
    renderLeaks();
    if (id !== null && LG.on) {
      setLeakView("flat");
      LG.setView("flat");
      $("leaks-stack-clear").focus();
    }
    renderLeakGroups();
  }

  function renderStackFilter(total, bytes) {
    var bar = $("leaks-stack-filter");
    bar.hidden = LK.stack === null;
    bar.setAttribute("data-stack", LK.stack === null ? "" : String(LK.stack));
    if (LK.stack === null) return;
    var st = M.stacks[LK.stack];
    $("leaks-stack-filter-text").textContent = "Showing stack " + LK.stack + " — " +
      (st ? visible(st.whereName) + (st.whereLoc ? " (" + visible(st.whereLoc) + ")" : "") : "no call stack") + ": " +
      plural(total, "allocation") + ", " + fmtBytes(bytes);
    if (st) $("leaks-stack-filter-text").title = st.text;
  }

  function renderLeakGroups() {
    if (!LG.on) return;
    var all = leakGroups(), main = [], sup = [], i, mb = 0, mc = 0, sb = 0, sc = 0;
    for (i = 0; i < all.length; i++) {
      var g = all[i];
      if (g.suppressed) { sup.push(g); sb += g.bytes; sc += g.count; } else { main.push(g); mb += g.bytes; mc += g.count; }
    }
    sortGroups(main, LG);
    sortGroups(sup, LG.sup);
    var lim = LG.all ? main.length : Math.min(main.length, GROUP_ROWS);
    groupRows(LG.tbody, main, lim);
    $("leak-groups").setAttribute("data-total", String(mc));
    emptyNote("leak-groups", main.length ? "" : LK.query ? "No leak group matches the search." :
      sup.length ? "Nothing leaked besides the suppressed blocks below." : V.win ? "No allocation made in this window is still live." : "Nothing is live at exit: no leak.");
    var foot = $("leak-groups-foot");
    clear(foot);
    foot.appendChild(document.createTextNode(plural(mc, "leak") + ", " + fmtBytes(mb) + " from " + plural(main.length, "call stack") +
      (V.win ? " (allocated in the window)" : M.hasCosts ? " (whole run)" : "") + ". " +
      (main.length || sup.length ? "Click a column head to sort, a row to list its allocations one by one. " : "")));
    if (lim < main.length) {
      var more = el("button", "btn", "Show all " + exact(main.length) + " groups");
      more.type = "button";
      more.addEventListener("click", guard(function () { LG.all = true; renderLeakGroups(); }));
      foot.appendChild(more);
    }
    var box = $("leaks-suppressed");
    box.hidden = !sup.length;
    box.setAttribute("data-count", String(sc));
    box.setAttribute("data-bytes", String(sb));
    var kinds = {};
    sup.forEach(function (g) { kinds[g.suppressed] = 1; });
    $("leaks-suppressed-summary").textContent = "Suppressed: " + plural(sc, "leak") + ", " + fmtBytes(sb) + " (" + exact(sb) + " bytes) from " +
      plural(sup.length, "call stack") + " — " + (kinds.builtin ? "blocks glibc keeps for the life of the process by design (stdio buffers, loader, locale…)" : "") +
      (kinds.builtin && kinds.file ? "; " : "") + (kinds.file ? "matched by the suppressions file" : "");
    groupRows(LG.stbody, sup, sup.length);
  }

  function setLeakView(v) {
    LG.view = v;
    $("leak-groups-box").hidden = v !== "groups";
    $("leaks-flat").hidden = v === "groups";
    $("leaks-section").setAttribute("data-view", v);
  }

  function buildLeaks() {
    LK.tbody = sortableHead($("leaks"), LK_COLS, LK, function () { LK.page = 0; computeLeakRows(); renderLeaks(); });
    LG.on = M.r.stacks.length > 0;
    if (LG.on) {
        LG.tbody = sortableHead($("leak-groups"), LG_COLS, LG, renderLeakGroups);
      LG.stbody = sortableHead($("leak-groups-suppressed"), LG_COLS, LG.sup, renderLeakGroups);
      groupClicks(LG.tbody);
      groupClicks(LG.stbody);
      /* whole-program runs open on the groups; TRACK runs on every allocation, as before */
      var first = M.whole ? "groups" : "flat";
      LG.setView = segmented($("leaks-view"), [["groups", "By call stack", "Live allocations grouped by call stack, largest first"],
        ["flat", "Every allocation", "One row per live allocation"]], first, function (v) { setLeakView(v); });
      setLeakView(first);
      renderLeakGroups();
    }
    var timer = 0, input = $("leaks-search");
    input.addEventListener("input", guard(function () {
      clearTimeout(timer);
      timer = setTimeout(guard(function () { LK.query = input.value; LK.page = 0; computeLeakRows(); renderLeaks(); renderLeakGroups(); }), 120);
    }));
    $("leaks-stack-clear").addEventListener("click", guard(function () { filterLeaksToStack(null); }));
    $("leaks-prev").addEventListener("click", guard(function () { LK.page--; renderLeaks(); }));
    $("leaks-next").addEventListener("click", guard(function () { LK.page++; renderLeaks(); }));
    computeLeakRows();
  }

  /* ------------------------------------------------------------------ 4f. threads */

  var TH = { key: "allocated", dir: -1, tbody: null };
  var TH_COLS = [
    { key: "id", label: "Thread id", num: true }, { key: "name", label: "Name" },
    { key: "allocations", label: "Allocations", num: true }, { key: "deallocations", label: "Frees", num: true },
    { key: "allocated", label: "Allocated", num: true }, { key: "current", label: "Current", num: true },
    { key: "peak", label: "Peak", num: true }];
  var TH_FIELD = { id: "thread_id", allocations: "allocations", deallocations: "deallocations",
    allocated: "allocated_bytes", current: "current_bytes", peak: "peak_bytes" };

  function renderThreads() {
    var list = M.threads.filter(function (th) { return th.stats; }), k = TH.key, d = TH.dir;
    list.sort(function (a, b) {
      var c = k === "name" ? collator.compare(a.name, b.name) : (Number(a.stats[TH_FIELD[k]]) || 0) - (Number(b.stats[TH_FIELD[k]]) || 0);
      return c * d || a.index - b.index;
    });
    var tbody = TH.tbody, frag = document.createDocumentFragment();
    clear(tbody);
    list.forEach(function (th) {
      var s = th.stats, tr = el("tr");
      var idc = td(String(th.id), "num");
      if (th.color >= 0) { idc.insertBefore(swatch(threadColor(th), true), idc.firstChild); idc.title = "colour of this thread in the timeline"; }
      tr.appendChild(idc);
      tr.appendChild(th.name ? td(visible(th.name), "text") : td("(unnamed)", "null"));
      tr.appendChild(td(fmtCount(Number(s.allocations)), "num", exact(Number(s.allocations)) + " allocations"));
      tr.appendChild(td(fmtCount(Number(s.deallocations)), "num", exact(Number(s.deallocations)) + " frees"));
      tr.appendChild(td(fmtBytes(Number(s.allocated_bytes)), "num", exact(Number(s.allocated_bytes)) + " bytes"));
      tr.appendChild(td(fmtBytes(Number(s.current_bytes)), "num", exact(Number(s.current_bytes)) + " bytes"));
      tr.appendChild(td(fmtBytes(Number(s.peak_bytes)), "num", exact(Number(s.peak_bytes)) + " bytes"));
      frag.appendChild(tr);
    });
    emptyNote("threads", list.length ? "" : "No thread recorded anything.");
    tbody.appendChild(frag);
  }

  function buildThreads() {
    TH.tbody = sortableHead($("threads"), TH_COLS, TH, renderThreads);
    $("threads-note").textContent = plural(M.r.threads.length, "thread") +
      (M.undrawn > 0 ? " · the " + M.drawn.length + " largest are drawn in the timeline" : "");
    renderThreads();
  }

  /* ------------------------------------------------------------------ 4g. flame graph */

  var FL = { root: null, focus: null, sel: null, boxes: [], canvas: null, hover: null, metric: "bytes", dir: "top" };
  /* the cost views: [value, label, unit formatter, what the value is] */
  var FL_METRICS = {
    bytes: ["Bytes allocated", fmtBytes, "bytes allocated"],
    count: ["Allocations", function (n) { return fmtCount(n) + " allocations"; }, "allocations"],
    leaked: ["Leaked (live at the end)", fmtBytes, "bytes still live at the end (suppressed blocks left out)"],
    peak: ["Live at the peak", fmtBytes, "bytes live at the peak"],
    temporary: ["Temporary allocations", function (n) { return fmtCount(n) + " temporary"; }, "allocations freed before any other allocation"]
  };
  function flameFmt(v) { return FL_METRICS[FL.metric][1](v); }

  function FNode(name, parent, frame) {
    this.name = name; this.parent = parent; this.frame = frame;
    this.bytes = 0; this.count = 0; this.v = 0; this.kids = []; this.map = null; this.height = 0;
    this.depth = parent ? parent.depth + 1 : 0;
  }

  /* The tree of the scope: stack_hotspots for the whole run, else the window's allocations
     by stack id. Frames are merged by label along the path, outermost caller first. */
  /* The metric's value of one stack's costs (null: not known for this scope). */
  function metricOf(c, st) {
    switch (FL.metric) {
      case "count": return c.count;
      case "leaked": return c.leaked === null ? null : st.suppressed ? 0 : c.leaked;
      case "peak": return c.peak;
      case "temporary": return c.temporary;
      default: return c.bytes;
    }
  }

  /* top-down: outermost caller at the top; bottom-up: the innermost frames (the allocating
     functions) at the top, their callers below. */
  function buildFlame() {
    var list = stackCosts();
    var root = new FNode("all", null, null), any = false, unknown = false;
    var up = FL.dir === "bottom";
    list.forEach(function (e) {
      var st = M.stacks[e.stack];
      if (!st || !st.frames.length) return;
      var v = metricOf(e, st);
      if (v === null) { unknown = true; return; }
      if (!v) return;
      any = true;
      root.bytes += e.bytes; root.count += e.count; root.v += v;
      var cur = root, n = st.frames.length;
      for (var j = 0; j < n; j++) {
        var k = up ? j : n - 1 - j;
        var name = st.labels[k];
        if (!cur.map) cur.map = new Map();
        var nd = cur.map.get(name);
        if (!nd) { nd = new FNode(name, cur, st.frames[k]); cur.map.set(name, nd); cur.kids.push(nd); }
        nd.bytes += e.bytes; nd.count += e.count; nd.v += v;
        cur = nd;
      }
    });
    FL.unknown = unknown && !any;
    (function finish(nd) {
      nd.map = null;
      nd.kids.sort(function (x, y) { return y.v - x.v || y.bytes - x.bytes || collator.compare(x.name, y.name); });
      nd.kids.forEach(function (k) { finish(k); if (k.height + 1 > nd.height) nd.height = k.height + 1; });
    })(root);
    FL.root = any ? root : null;
    FL.total = root.v;
    FL.focus = FL.root;
    FL.sel = null;
    FL.hover = null;
  }

  function frameColor(node) {
    if (!node.parent) return "hsl(220, 10%, 72%)";
    if (node.frame && node.frame.inlined) return "hsl(160, 38%, 72%)";
    if (!node.frame || !node.frame["function"]) return "hsl(205, 22%, 74%)";
    var h = 0, s = node.name;
    for (var i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
    return "hsl(" + (8 + ((h >>> 0) % 42)) + ", 78%, " + (62 + ((h >>> 8) % 10)) + "%)";
  }

  function drawFlame() {
    var host = $("flamegraph"), status = $("flame-status");
    $("flame-reset").disabled = !FL.root || FL.focus === FL.root;
    host.setAttribute("data-metric", FL.metric);
    host.setAttribute("data-direction", FL.dir);
    host.setAttribute("data-total", String(FL.total || 0));
    if (!FL.root) {
      clear(host);
      host.removeAttribute("data-frames");
      host.setAttribute("data-empty", "true");
      var captured = M.r.stacks.length > 0;
      host.textContent = !captured ? (M.whole ? "No call stack was captured in this run (memscope run --no-stacks)." :
        "No call stack was captured in this run: enable capture_call_stack (for example memscope_sampling_full()) to see where the bytes come from.") :
        FL.unknown ? "This report has no per-stack " + FL_METRICS[FL.metric][2] + " for the whole run; select a time window to see them." :
        (eventWin() ? "No allocation with a call stack made in this window has " : "No call stack has ") + FL_METRICS[FL.metric][2] + ".";
      status.textContent = "";
      FL.boxes = [];
      return;
    }
    host.removeAttribute("data-empty");
    if (FL.canvas.parentNode !== host) { clear(host); host.appendChild(FL.canvas); }
    var C = colors(), W = host.clientWidth || 600, focus = FL.focus;
    var rows = focus.depth + focus.height + 1, H = rows * FLAME_ROW;
    FL.canvas.style.height = H + "px";
    var ctx = setupCanvas(FL.canvas, W, H);
    ctx.font = "12px " + C.font;
    ctx.textBaseline = "middle";
    var boxes = FL.boxes = [];
    function box(node, x, w, dim) {
      var y = node.depth * FLAME_ROW;
      boxes.push({ x: x, y: y, w: w, node: node });
      ctx.globalAlpha = dim ? 0.55 : 1;
      ctx.fillStyle = frameColor(node);
      ctx.fillRect(x + 0.5, y + 0.5, Math.max(0.5, w - 1), FLAME_ROW - 1);
      ctx.globalAlpha = 1;
      if (node === FL.sel || node === FL.hover) {
        ctx.strokeStyle = node === FL.sel ? C.focus : C.fg;
        ctx.lineWidth = 2;
        ctx.strokeRect(x + 1.5, y + 1.5, Math.max(1, w - 3), FLAME_ROW - 3);
      }
      if (w > 28) {
        var label = node.parent ? visible(node.name) : "all stacks · " + flameFmt(node.v) + (FL.dir === "bottom" ? " · bottom-up" : "");
        var text = fitText(ctx, label, w - 8);
        if (text) { ctx.fillStyle = C["flame-text"]; ctx.fillText(text, x + 4, y + FLAME_ROW / 2 + 0.5); }
      }
    }
    for (var a = focus.parent, chain = []; a; a = a.parent) chain.push(a);
    chain.forEach(function (nd) { box(nd, 0, W, true); });
    (function place(nd, x, w) {
      box(nd, x, w, false);
      var cx = x;
      for (var i = 0; i < nd.kids.length; i++) {
        var k = nd.kids[i], kw = nd.v > 0 ? w * k.v / nd.v : 0;
        if (kw >= 1) place(k, cx, kw);
        cx += kw;
      }
    })(focus, 0, W);
    host.setAttribute("data-frames", String(boxes.length));
    FL.canvas.setAttribute("aria-label", (FL.dir === "bottom" ? "Bottom-up graph of " : "Flame graph of ") + FL_METRICS[FL.metric][2] +
      " by call stack, " + boxes.length + " frames drawn; focused on " + (focus.parent ? visible(focus.name) : "all stacks") + ", " + flameFmt(focus.v));
    if (!status.textContent || FL.sel === null && FL.hover === null) status.textContent = describeFrame(focus);
  }

  /* Longest prefix of `s` (with an ellipsis) that fits in `w` px. */
  function fitText(ctx, s, w) {
    if (ctx.measureText(s).width <= w) return s;
    var lo = 0, hi = s.length;
    while (lo < hi) {
      var m = (lo + hi + 1) >> 1;
      if (ctx.measureText(s.slice(0, m) + "…").width <= w) lo = m; else hi = m - 1;
    }
    return lo >= 2 ? s.slice(0, lo) + "…" : "";
  }

  function describeFrame(nd) {
    var root = FL.root, f = nd.frame, where = "";
    if (f && f["function"] && f.module) where = " in " + baseName(String(f.module));
    else if (f && f.address) where = " at " + f.address;
    return (nd.parent ? visible(nd.name) + where : "all stacks") + " — " + flameFmt(nd.v) + " (" +
      fmtPct(root.v ? nd.v / root.v * 100 : 0) + " of the total: " + FL_METRICS[FL.metric][2] + " with a call stack)" +
      (FL.metric === "bytes" || FL.metric === "count" ? "" : "; these stacks allocated " + fmtBytes(nd.bytes) + " in " + plural(nd.count, "allocation"));
  }

  function flameHit(e) {
    var r = FL.canvas.getBoundingClientRect(), x = e.clientX - r.left, y = e.clientY - r.top;
    var depth = Math.floor(y / FLAME_ROW);
    for (var i = 0; i < FL.boxes.length; i++) {
      var b = FL.boxes[i];
      if (b.node.depth === depth && x >= b.x && x < b.x + b.w) return b.node;
    }
    return null;
  }

  function setFocus(nd) {
    if (!nd) return;
    FL.focus = nd;
    drawFlame();
    $("flame-status").textContent = describeFrame(nd);
  }

  function buildFlameUI() {
    var c = FL.canvas = el("canvas");
    c.tabIndex = 0;
    c.setAttribute("role", "img");
    c.addEventListener("mousemove", guard(function (e) {
      var nd = flameHit(e);
      if (nd !== FL.hover) { FL.hover = nd; drawFlame(); }
      if (!nd) { hideTooltip(); return; }
      $("flame-status").textContent = describeFrame(nd);
      var lines = [[null, FL_METRICS[FL.metric][0] + ": " + flameFmt(nd.v) + " (" + exact(nd.v) + ")"],
        [null, fmtBytes(nd.bytes) + " allocated (" + exact(nd.bytes) + " bytes) in " + exact(nd.count) + " allocations"]];
      if (FL.root.v) lines.push([null, fmtPct(nd.v / FL.root.v * 100) + " of the total" +
        (nd.parent && nd.parent.v ? ", " + fmtPct(nd.v / nd.parent.v * 100) + " of its " + (FL.dir === "bottom" ? "callee" : "caller") : "")]);
      if (nd.frame && nd.frame.inlined) lines.push([null, "inlined by the compiler into the frame " + (FL.dir === "bottom" ? "below" : "above")]);
      if (nd.frame && nd.frame.file) lines.push([null, visible(String(nd.frame.file)) + ":" + nd.frame.line]);
      if (nd.frame && nd.frame.module) lines.push([null, visible(String(nd.frame.module)) + " +0x" + (Number(nd.frame.offset) || 0).toString(16)]);
      showTooltip(e.clientX, e.clientY, nd.parent ? visible(nd.name) : "all stacks", lines);
    }));
    c.addEventListener("mouseleave", guard(function () { FL.hover = null; hideTooltip(); drawFlame(); }));
    c.addEventListener("click", guard(function (e) {
      var nd = flameHit(e);
      if (!nd) return;
      FL.sel = nd;
      if (nd === FL.focus && nd.parent) setFocus(nd.parent);    // the focused frame: one level out
      else setFocus(nd);                                          // a frame, an ancestor or the root
    }));
    c.addEventListener("keydown", guard(function (e) {
      if (!FL.root) return;
      var s = FL.sel || FL.focus, p = s.parent, idx, next = null;
      if (e.key === "ArrowDown") next = s.kids[0] || null;
      else if (e.key === "ArrowUp") next = p;
      else if (e.key === "ArrowRight" && p) { idx = p.kids.indexOf(s); next = p.kids[idx + 1] || null; }
      else if (e.key === "ArrowLeft" && p) { idx = p.kids.indexOf(s); next = idx > 0 ? p.kids[idx - 1] : null; }
      else if (e.key === "Enter" || e.key === " ") { setFocus(s); e.preventDefault(); return; }
      else if (e.key === "Escape") { FL.sel = FL.root; setFocus(FL.root); e.preventDefault(); return; }
      else return;
      e.preventDefault();
      if (next) {
        FL.sel = next;
        drawFlame();
        $("flame-status").textContent = describeFrame(next);
      }
    }));
    c.addEventListener("focus", guard(function () {
      if (!FL.root) return;
      if (!FL.sel) FL.sel = FL.focus;
      drawFlame();
      $("flame-status").textContent = describeFrame(FL.sel);
    }));
    $("flame-reset").addEventListener("click", guard(function () { FL.sel = null; setFocus(FL.root); }));
    var ms = $("flame-metric"), ds = $("flame-direction");
    Object.keys(FL_METRICS).forEach(function (k) {
      var o = el("option", null, FL_METRICS[k][0]);
      o.value = k;
      ms.appendChild(o);
    });
    ms.value = FL.metric;
    function change() {
      FL.metric = ms.value;
      FL.dir = ds.value;
      $("flame-status").textContent = "";
      buildFlame();
      drawFlame();
    }
    ms.addEventListener("change", guard(change));
    ds.addEventListener("change", guard(change));
    /* for tests and scripts: the graph's root total and the frames just below it */
    window.memscopeFlame = function () {
      return { metric: FL.metric, direction: FL.dir, total: FL.total || 0,
        children: FL.root ? FL.root.kids.map(function (k) { return { name: k.name, value: k.v }; }) : [],
        names: FL.root ? (function walk(nd, out) { nd.kids.forEach(function (k) { out[k.name] = 1; walk(k, out); }); return out; })(FL.root, {}) : {} };
    };
  }

  /* ------------------------------------------------------------------ 5. boot */

  var redrawPending = false;
  function redrawCanvases() {
    if (redrawPending) return;
    redrawPending = true;
    requestAnimationFrame(guard(function () {
      redrawPending = false;
      drawTimeline();
      SYS.charts.forEach(drawMini);
      drawFlame();
    }));
  }

  function boot() {
    var r = readReport();
    M = buildModel(r);
    var t0 = performance.now();
    decodeEvents(M);
    var decodeMs = performance.now() - t0;
    pickThreads(M);
    buildHeader();
    buildBanners();
    buildCards();
    buildTimeline();
    buildSystem();
    buildHotspots();
    buildLeaks();
    buildThreads();
    buildFlameUI();
    buildFlame();
    updateWindowLabel();
    drawTimeline();
    SYS.charts.forEach(drawMini);
    renderHotspots();
    renderLeaks();
    drawFlame();
    if (typeof ResizeObserver === "function") {
      var ro = new ResizeObserver(redrawCanvases);
      ro.observe($("timeline-wrap"));
      ro.observe($("flamegraph"));
      ro.observe($("system-charts"));
    } else {
      window.addEventListener("resize", redrawCanvases);
    }
    if (window.matchMedia) {
      var mq = window.matchMedia("(prefers-color-scheme: dark)");
      var onTheme = function () { colorCache = null; redrawCanvases(); };
      if (mq.addEventListener) mq.addEventListener("change", onTheme); else if (mq.addListener) mq.addListener(onTheme);
    }
    var readyMs = performance.now();
    window.memscopeTimings = { decode_ms: decodeMs, ready_ms: readyMs, script_start_ms: SCRIPT_START };
    $("footer").textContent = "memscope dashboard · a self-contained page: it loads nothing from the network · " +
      exact(M.n) + " events decoded in " + decodeMs.toFixed(0) + " ms, page ready " + readyMs.toFixed(0) + " ms after navigation";
  }

  try {
    boot();
  } catch (e) {
    fail(e);
    var line = $("summary-line");
    if (line && line.textContent.indexOf("Loading") === 0) line.textContent = "The report could not be shown.";
  } finally {
    if (!window.memscopeTimings) window.memscopeTimings = { decode_ms: 0, ready_ms: performance.now() };
    window.memscopeReady = true;
  }
})();
