/* memscope diff page (tools/dashboard/diff.js), inlined into the page of `memscope diff BASE NEW
   --html OUT` by tools/embed_dashboard.py (into tools/diff_page.h).

   The CLI writes one data block, #memscope-diff: {format: "memscope-diff", version: 1,
   generator, base/new: {file, allocated, allocations, peak, live, live_count}, rows: [{frames:
   [{name, file, line, module, inlined}] innermost first, where (index into frames or null),
   stack: [id in BASE, id in NEW] (0: not in that run), base/new: {alloc, count, leak, peak}}]}.
   Stacks are matched by their frames' names, so a row is one stack of either run or of both.
   Text is only ever set through textContent, attributes and canvas fillText.

   For tests: #flamegraph[data-metric][data-width][data-frames][data-total], table#diff-table
   rows [data-growth][data-base][data-new], #metric button[data-value], window.memscopeDiffReady,
   window.memscopeDiffFlame() -> {metric, width, total, nodes: [{name, depth, base, new, color}]}. */
(function () {
  "use strict";

  var FLAME_ROW = 18, TABLE_ROWS = 200;
  var METRICS = {   // key: [button label, value label, formatter]
    alloc: ["Allocated bytes", "bytes allocated", fmtBytes],
    leak: ["Leaked bytes", "bytes leaked (live at the end, suppressions aside)", fmtBytes],
    peak: ["Peak bytes", "bytes live at the peak", fmtBytes],
    count: ["Allocations", "allocations", fmtCount]
  };

  function $(id) { return document.getElementById(id); }
  function fail(err) {
    console.error(err);
    var box = $("error"), msg = err && err.message ? err.message : String(err);
    window.memscopeDiffError = msg;
    box.hidden = false;
    box.textContent = (box.textContent ? box.textContent + "\n" : "") + "Diff page error: " + msg;
  }
  function guard(fn) {
    return function () { try { return fn.apply(this, arguments); } catch (e) { fail(e); } };
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function clear(n) { while (n.firstChild) n.removeChild(n.firstChild); }
  var CTRL = /[\u0000-\u001f\u007f\u2028\u2029]/g;
  function visible(s) {
    return s === null || s === undefined ? "" : String(s).replace(CTRL, function (c) {
      return c === "\n" ? "\\n" : c === "\t" ? "\\t" : "\\u" + ("000" + c.charCodeAt(0).toString(16)).slice(-4);
    });
  }
  function baseName(p) { var i = p.lastIndexOf("/"); return i >= 0 ? p.slice(i + 1) : p; }
  var NF = new Intl.NumberFormat("en-US");
  function exact(n) { return NF.format(n); }
  function sig(x) { var a = Math.abs(x); return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2); }
  function fmtBytes(b) {
    var a = Math.abs(b), i = 0, U = ["B", "KiB", "MiB", "GiB", "TiB"];
    while (a >= 1024 && i < U.length - 1) { a /= 1024; i++; }
    return (b < 0 ? "-" : "") + (i ? sig(a) : String(Math.round(a))) + " " + U[i];
  }
  function fmtCount(n) {
    var a = Math.abs(n);
    return a < 1000 ? String(n) : a < 1e6 ? sig(n / 1e3) + "k" : a < 1e9 ? sig(n / 1e6) + "M" : sig(n / 1e9) + "G";
  }
  function signed(fmt, d) { return (d > 0 ? "+" : "") + fmt(d); }
  function pct(b, n) { return b > 0 ? (n >= b ? "+" : "") + sig((n - b) / b * 100) + "%" : n > 0 ? "new" : ""; }

  /* ---- the data ---- */
  var D = null, S = { metric: "alloc", width: "new", all: false };

  function read() {
    var node = $("memscope-diff"), text = node ? node.textContent.trim() : "";
    if (text.charAt(0) !== "{") throw new Error("this page holds no diff: write one with memscope diff BASE.msb NEW.msb --html OUT");
    var d = JSON.parse(text);
    if (d.format !== "memscope-diff") throw new Error("not a memscope diff (format " + JSON.stringify(d.format) + ")");
    if (!Array.isArray(d.rows)) d.rows = [];
    d.rows.forEach(function (r, i) {
      r.index = i;
      r.frames = Array.isArray(r.frames) ? r.frames : [];
      r.labels = r.frames.map(function (f) { return String(f && f.name != null ? f.name : "?") + (f && f.inlined ? " [inlined]" : ""); });
      var w = typeof r.where === "number" && r.where >= 0 && r.where < r.frames.length ? r.where : -1;
      r.whereName = w >= 0 ? r.labels[w] : r.frames.length ? "(inside the runtime)" : "(no call stack)";
      var wf = w >= 0 ? r.frames[w] : null;
      r.whereLoc = wf && wf.file ? baseName(String(wf.file)) + (wf.line ? ":" + wf.line : "") : null;
      r.base = r.base || {}; r.new = r.new || {};
    });
    return d;
  }
  function val(side, key) { return Number(side && side[key]) || 0; }

  /* ---- the header and the totals ---- */
  function header() {
    var dl = $("runs");
    [["BASE", D.base], ["NEW", D.new]].forEach(function (p) {
      dl.appendChild(el("dt", null, p[0]));
      dl.appendChild(el("dd", null, visible(p[1] && p[1].file)));
    });
    var cards = $("cards");
    [["allocated", "Allocated", fmtBytes], ["allocations", "Allocations", fmtCount], ["peak", "Peak", fmtBytes],
      ["live", "Live at the end", fmtBytes], ["live_count", "Blocks live at the end", fmtCount]].forEach(function (c) {
      var b = val(D.base, c[0]), n = val(D.new, c[0]), d = n - b;
      var card = el("div", "card");
      card.setAttribute("data-metric", c[0]);
      card.setAttribute("data-base", String(b));
      card.setAttribute("data-new", String(n));
      card.title = c[1] + ": " + exact(b) + " in BASE, " + exact(n) + " in NEW (" + (d >= 0 ? "+" : "") + exact(d) + ")";
      card.appendChild(el("div", "card-label", c[1]));
      card.appendChild(el("div", "card-value" + (d > 0 ? " grew" : d < 0 ? " shrank" : ""), signed(c[2], d) + (d === 0 ? " (same)" : "")));
      card.appendChild(el("div", "card-sub", c[2](b) + " → " + c[2](n) + (b > 0 && d ? " (" + pct(b, n) + ")" : "")));
      cards.appendChild(card);
    });
    $("footer").textContent = visible(D.generator || "memscope") + " · " + exact(D.rows.length) + " call stacks matched by their frames' names";
    document.title = "memscope diff · " + baseName(String(D.base && D.base.file || "BASE")) + " → " + baseName(String(D.new && D.new.file || "NEW"));
  }

  /* ---- the flame graph: frames merged by name along the path, outermost caller first ---- */
  var FL = { root: null, focus: null, sel: null, hover: null, boxes: [], canvas: null, maxAbs: 0 };
  function FNode(name, parent, frame) {
    this.name = name; this.parent = parent; this.frame = frame;
    this.b = 0; this.n = 0; this.kids = []; this.map = null; this.height = 0;
    this.depth = parent ? parent.depth + 1 : 0;
  }
  function width(nd) { return S.width === "base" ? nd.b : nd.n; }
  function buildFlame() {
    var root = new FNode("all", null, null), k = S.metric;
    D.rows.forEach(function (r) {
      var b = val(r.base, k), n = val(r.new, k);
      if (!b && !n) return;
      root.b += b; root.n += n;
      var cur = root, labels = r.frames.length ? r.labels : ["(no call stack)"];
      for (var j = labels.length - 1; j >= 0; j--) {
        if (!cur.map) cur.map = new Map();
        var nd = cur.map.get(labels[j]);
        if (!nd) { nd = new FNode(labels[j], cur, r.frames[j] || null); cur.map.set(labels[j], nd); cur.kids.push(nd); }
        nd.b += b; nd.n += n;
        cur = nd;
      }
    });
    var maxAbs = 0;
    (function finish(nd) {
      nd.map = null;
      if (nd.parent) maxAbs = Math.max(maxAbs, Math.abs(nd.n - nd.b));
      nd.kids.sort(function (x, y) { return width(y) - width(x) || (y.n - y.b) - (x.n - x.b) || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0); });
      nd.kids.forEach(function (c) { finish(c); if (c.height + 1 > nd.height) nd.height = c.height + 1; });
    })(root);
    FL.maxAbs = maxAbs;
    FL.root = width(root) > 0 ? root : null;
    FL.focus = FL.root; FL.sel = null; FL.hover = null;
  }
  /* red where NEW has more, blue where less, grey where equal; deeper for a larger change */
  function frameColor(nd) {
    var d = nd.n - nd.b;
    if (!d || !FL.maxAbs) return "hsl(210, 8%, 80%)";
    var t = Math.sqrt(Math.abs(d) / FL.maxAbs), light = Math.round(90 - 32 * t);
    return d > 0 ? "hsl(0, 80%, " + light + "%)" : "hsl(214, 85%, " + light + "%)";
  }
  function fitText(ctx, s, w) {
    if (ctx.measureText(s).width <= w) return s;
    var lo = 0, hi = s.length;
    while (lo < hi) { var m = (lo + hi + 1) >> 1; if (ctx.measureText(s.slice(0, m) + "…").width <= w) lo = m; else hi = m - 1; }
    return lo > 0 ? s.slice(0, lo) + "…" : "";
  }
  function drawFlame() {
    var host = $("flamegraph"), fmt = METRICS[S.metric][2];
    host.setAttribute("data-metric", S.metric);
    host.setAttribute("data-width", S.width);
    $("flame-reset").disabled = !FL.root || FL.focus === FL.root;
    if (!FL.root) {
      clear(host);
      host.setAttribute("data-empty", "true");
      host.setAttribute("data-frames", "0");
      host.setAttribute("data-total", "0");
      host.textContent = "No call stack has " + METRICS[S.metric][1] + " in the " + (S.width === "base" ? "BASE" : "NEW") + " run.";
      FL.boxes = [];
      return;
    }
    host.removeAttribute("data-empty");
    host.setAttribute("data-total", String(width(FL.root)));
    if (FL.canvas.parentNode !== host) { clear(host); host.appendChild(FL.canvas); }
    var W = host.clientWidth || 800, focus = FL.focus, rows = focus.depth + focus.height + 1, H = rows * FLAME_ROW;
    var dpr = window.devicePixelRatio || 1, c = FL.canvas;
    c.style.height = H + "px";
    c.width = Math.max(1, Math.round(W * dpr)); c.height = Math.max(1, Math.round(H * dpr));
    var ctx = c.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, H);
    var cs = getComputedStyle(document.documentElement);
    ctx.font = "12px " + (cs.getPropertyValue("font-family") || "sans-serif");
    ctx.textBaseline = "middle";
    var boxes = FL.boxes = [], focusColor = cs.getPropertyValue("--focus").trim() || "#0a58ca";
    function box(nd, x, w, dim) {
      var y = nd.depth * FLAME_ROW;
      boxes.push({ x: x, y: y, w: w, node: nd });
      ctx.globalAlpha = dim ? 0.55 : 1;
      ctx.fillStyle = frameColor(nd);
      ctx.fillRect(x + 0.5, y + 0.5, Math.max(0.5, w - 1), FLAME_ROW - 1);
      ctx.globalAlpha = 1;
      if (nd === FL.sel || nd === FL.hover) {
        ctx.strokeStyle = nd === FL.sel ? focusColor : "#1b1f24";
        ctx.lineWidth = 2;
        ctx.strokeRect(x + 1.5, y + 1.5, Math.max(1, w - 3), FLAME_ROW - 3);
      }
      if (w > 28) {
        var label = nd.parent ? visible(nd.name) : "all stacks · " + fmt(width(nd)) + " in " + (S.width === "base" ? "BASE" : "NEW") +
          " · " + signed(fmt, nd.n - nd.b) + " from BASE to NEW";
        var t = fitText(ctx, label, w - 8);
        if (t) { ctx.fillStyle = "#1b1f24"; ctx.fillText(t, x + 4, y + FLAME_ROW / 2 + 0.5); }
      }
    }
    for (var a = focus.parent, chain = []; a; a = a.parent) chain.push(a);
    chain.forEach(function (nd) { box(nd, 0, W, true); });
    (function place(nd, x, w) {
      box(nd, x, w, false);
      var cx = x, tot = width(nd);
      for (var i = 0; i < nd.kids.length; i++) {
        var kw = tot > 0 ? w * width(nd.kids[i]) / tot : 0;
        if (kw >= 1) place(nd.kids[i], cx, kw);
        cx += kw;
      }
    })(focus, 0, W);
    host.setAttribute("data-frames", String(boxes.length));
  }
  function hit(e) {
    var r = FL.canvas.getBoundingClientRect(), x = e.clientX - r.left, y = e.clientY - r.top;
    for (var i = FL.boxes.length - 1; i >= 0; i--) {
      var b = FL.boxes[i];
      if (x >= b.x && x < b.x + b.w && y >= b.y && y < b.y + FLAME_ROW) return b.node;
    }
    return null;
  }
  function describe(nd) {
    var fmt = METRICS[S.metric][2], d = nd.n - nd.b, f = nd.frame;
    var loc = f && f.file ? visible(String(f.file)) + (f.line ? ":" + f.line : "") : f && f.module ? visible(String(f.module)) : "";
    return {
      title: nd.parent ? visible(nd.name) : "all stacks",
      rows: [loc, "BASE " + fmt(nd.b) + " → NEW " + fmt(nd.n), "change " + signed(fmt, d) + (nd.b > 0 && d ? " (" + pct(nd.b, nd.n) + ")" : "") +
        " · " + (d > 0 ? "grew" : d < 0 ? "shrank" : "unchanged")].filter(Boolean)
    };
  }
  function status(nd) {
    var s = $("flame-status");
    if (!nd) { s.textContent = ""; return; }
    var t = describe(nd);
    s.textContent = t.title + " — " + t.rows.join(" · ");
  }
  function tooltip(e, nd) {
    var tip = $("tooltip");
    if (!nd) { tip.hidden = true; return; }
    var t = describe(nd);
    clear(tip);
    tip.appendChild(el("div", "tt-title", t.title));
    t.rows.forEach(function (r) { tip.appendChild(el("div", "tt-row", r)); });
    tip.hidden = false;
    var x = e.clientX + 14, y = e.clientY + 14;
    if (x + tip.offsetWidth > window.innerWidth - 4) x = Math.max(4, e.clientX - tip.offsetWidth - 14);
    if (y + tip.offsetHeight > window.innerHeight - 4) y = Math.max(4, e.clientY - tip.offsetHeight - 14);
    tip.style.left = x + "px"; tip.style.top = y + "px";
  }
  function setupFlame() {
    var c = FL.canvas = el("canvas");
    c.tabIndex = 0;
    c.setAttribute("role", "img");
    c.setAttribute("aria-label", "Differential flame graph: red frames grew from BASE to NEW, blue ones shrank");
    c.addEventListener("mousemove", guard(function (e) {
      var nd = hit(e);
      if (nd !== FL.hover) { FL.hover = nd; drawFlame(); }
      tooltip(e, nd);
    }));
    c.addEventListener("mouseleave", guard(function () { FL.hover = null; $("tooltip").hidden = true; drawFlame(); }));
    c.addEventListener("click", guard(function (e) {
      var nd = hit(e);
      if (!nd) return;
      FL.focus = nd === FL.focus ? nd.parent || FL.root : nd;   // a click on the focused frame zooms out one level
      FL.sel = nd;
      drawFlame();
      status(nd);
    }));
    c.addEventListener("keydown", guard(function (e) {
      if (!FL.root) return;
      var s = FL.sel || FL.focus, sib, i, nx = null;
      if (e.key === "ArrowUp") nx = s.parent;
      else if (e.key === "ArrowDown") nx = s.kids[0] || null;
      else if (e.key === "ArrowLeft" || e.key === "ArrowRight") {
        sib = s.parent ? s.parent.kids : [s];
        i = sib.indexOf(s) + (e.key === "ArrowLeft" ? -1 : 1);
        nx = sib[i] || null;
      } else if (e.key === "Enter") { FL.focus = s; drawFlame(); status(s); e.preventDefault(); return; }
      else if (e.key === "Escape") { FL.focus = FL.root; drawFlame(); e.preventDefault(); return; }
      else return;
      e.preventDefault();
      if (nx) { FL.sel = nx; drawFlame(); status(nx); }
    }));
    $("flame-reset").addEventListener("click", guard(function () { FL.focus = FL.root; FL.sel = null; drawFlame(); status(null); }));
    window.addEventListener("resize", guard(function () { drawFlame(); }));
  }

  /* ---- the table: one row per stack, most growth first ---- */
  function stackText(r) {
    return r.frames.map(function (f, i) {
      var loc = f && f.file ? "  " + visible(String(f.file)) + (f.line ? ":" + f.line : "") : "";
      var mod = f && f.module ? "  (" + visible(String(f.module)) + ")" : "";
      return (i === r.where ? "→ " : "  ") + visible(r.labels[i]) + loc + mod;
    }).join("\n");
  }
  function renderTable() {
    var k = S.metric, fmt = METRICS[k][2], table = $("diff-table");
    var rows = D.rows.filter(function (r) { return val(r.new, k) !== val(r.base, k); });
    rows.sort(function (x, y) {
      return (val(y.new, k) - val(y.base, k)) - (val(x.new, k) - val(x.base, k)) || val(y.new, k) - val(x.new, k) || x.index - y.index;
    });
    clear(table);
    table.appendChild(el("caption", "sr-only", "Call stacks ranked by growth of " + METRICS[k][1] + " from BASE to NEW"));
    var thead = el("thead"), tr = el("tr");
    [["#", 1], ["Change", 1], ["BASE", 1], ["NEW", 1], ["Allocations BASE → NEW", 1], ["Where (function)", 0], ["File:line", 0], ["Call stack", 0]]
      .forEach(function (h) { var th = el("th", h[1] ? "num" : null, h[0]); th.scope = "col"; tr.appendChild(th); });
    thead.appendChild(tr);
    table.appendChild(thead);
    var tbody = el("tbody"), lim = S.all ? rows.length : Math.min(rows.length, TABLE_ROWS), grew = 0, shrank = 0;
    rows.forEach(function (r) { if (val(r.new, k) > val(r.base, k)) grew++; else shrank++; });
    for (var i = 0; i < lim; i++) {
      var r = rows[i], b = val(r.base, k), n = val(r.new, k), d = n - b, row = el("tr");
      row.setAttribute("data-growth", String(d));
      row.setAttribute("data-base", String(b));
      row.setAttribute("data-new", String(n));
      row.setAttribute("data-where", r.whereName);
      row.appendChild(el("td", "num", String(i + 1)));
      var dc = el("td", "num " + (d > 0 ? "grew" : "shrank"), signed(fmt, d));
      dc.title = (d > 0 ? "+" : "") + exact(d) + " " + METRICS[k][1] + (b > 0 ? " (" + pct(b, n) + ")" : "");
      row.appendChild(dc);
      var bc = el("td", "num", fmt(b)); bc.title = exact(b); row.appendChild(bc);
      var nc = el("td", "num", fmt(n)); nc.title = exact(n); row.appendChild(nc);
      row.appendChild(el("td", "num", exact(val(r.base, "count")) + " → " + exact(val(r.new, "count"))));
      var wc = el("td", "text where", visible(r.whereName));
      if (!r.stack || !r.stack[0]) wc.appendChild(el("span", "new-tag", "new in NEW"));
      else if (!r.stack[1]) wc.appendChild(el("span", "gone-tag", "only in BASE"));
      row.appendChild(wc);
      row.appendChild(r.whereLoc ? el("td", "text", visible(r.whereLoc)) : el("td", "null", "unknown"));
      var sc = el("td", "text stack-cell");
      if (r.frames.length) {
        var det = el("details");
        det.appendChild(el("summary", null, r.frames.length + (r.frames.length === 1 ? " frame" : " frames")));
        det.appendChild(el("pre", "stack", stackText(r)));
        sc.appendChild(det);
      } else sc.textContent = "–";
      row.appendChild(sc);
      tbody.appendChild(row);
    }
    table.appendChild(tbody);
    var empty = $("diff-table-empty");
    empty.hidden = rows.length > 0;
    empty.textContent = rows.length ? "" : "No call stack's " + METRICS[k][1] + " changed from BASE to NEW.";
    $("table-note").textContent = METRICS[k][0].toLowerCase() + " · " + grew + " grew, " + shrank + " shrank";
    var foot = $("diff-table-foot");
    clear(foot);
    foot.appendChild(document.createTextNode(exact(D.rows.length - rows.length) + " of the " + exact(D.rows.length) +
      " matched stacks are unchanged. "));
    if (lim < rows.length) {
      var more = el("button", "btn", "Show all " + exact(rows.length) + " rows");
      more.type = "button";
      more.addEventListener("click", guard(function () { S.all = true; renderTable(); }));
      foot.appendChild(more);
    }
  }

  function render() {
    buildFlame();
    drawFlame();
    status(null);
    renderTable();
  }

  function boot() {
    D = read();
    header();
    /* opens on the first of leaked, allocated, peak bytes that grew somewhere (the text diff's order) */
    var first = ["leak", "alloc", "peak", "count"].filter(function (k) {
      return D.rows.some(function (r) { return val(r.new, k) > val(r.base, k); });
    })[0] || "alloc";
    S.metric = first;
    var host = $("metric"), bs = [];
    Object.keys(METRICS).forEach(function (k) {
      var b = el("button", "btn seg-btn", METRICS[k][0]);
      b.type = "button";
      b.setAttribute("data-value", k);
      b.addEventListener("click", guard(function () {
        S.metric = k; S.all = false;
        bs.forEach(function (x) { x.setAttribute("aria-pressed", String(x === b)); });
        render();
      }));
      b.setAttribute("aria-pressed", String(k === first));
      bs.push(b);
      host.appendChild(b);
    });
    $("width-by").addEventListener("change", guard(function (e) { S.width = e.target.value === "base" ? "base" : "new"; render(); }));
    var lg = $("diff-legend");
    [["hsl(0, 80%, 58%)", "grew (NEW has more)"], ["hsl(214, 85%, 58%)", "shrank (NEW has less)"], ["hsl(210, 8%, 80%)", "unchanged"]].forEach(function (p) {
      var s = el("span", "note");
      var sw = el("span", "swatch box");
      sw.style.background = p[0];
      s.appendChild(sw);
      s.appendChild(document.createTextNode(" " + p[1]));
      lg.appendChild(s);
    });
    setupFlame();
    render();
  }

  window.memscopeDiffFlame = function () {
    var out = [];
    (function walk(nd) {
      out.push({ name: nd.parent ? nd.name : "all", depth: nd.depth, base: nd.b, "new": nd.n, color: frameColor(nd) });
      nd.kids.forEach(walk);
    })(FL.root || new FNode("all", null, null));
    return { metric: S.metric, width: S.width, total: FL.root ? width(FL.root) : 0, nodes: out };
  };
  try {
    boot();
    window.memscopeDiffReady = true;
  } catch (e) {
    fail(e);
    window.memscopeDiffReady = false;
  }
})();
