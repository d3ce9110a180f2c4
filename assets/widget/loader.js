/*! Sodan chat widget, the part every shop page loads. Plain JavaScript, no build step beyond minifying;
 * renders into a Shadow DOM so the shop's styles and the widget's never meet. Loaded with:
 * <script src="https://SODAN/widget.js" data-site="KEY" async></script>
 * It draws the launcher, keeps the socket (page views, the customer context the shop passes), replays the
 * `Sodan.*` calls queued before it loaded and watches the conditions of proactive messages. The chat itself
 * (panel.js: messages, bot, attachments, rating, e-mail) is fetched only when the visitor opens it, a proactive
 * message is about to show, or a reply arrives.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.SodanWidget) return;
  var site = script.getAttribute("data-site") || "";
  var base = new URL(script.src, location.href).origin;
  var socketUrl = base.replace(/^http/, "ws") + "/widget/ws?site=" + encodeURIComponent(site);
  var langAttr = script.getAttribute("data-lang") || document.documentElement.lang || navigator.language || "en";
  var lang = /^ja/i.test(langAttr) ? "ja" : "en";
  // The launcher's label; every other text is the panel's.
  var OPEN = lang === "ja" ? "チャットで相談" : "Chat with us";

  var KEY = "sodan:" + site + ":";
  function load(name, fallback) {
    try { var v = localStorage.getItem(KEY + name); return v ? JSON.parse(v) : fallback; } catch (e) { return fallback; }
  }
  function save(name, value) {
    try { localStorage.setItem(KEY + name, JSON.stringify(value)); } catch (e) { /* storage full or blocked */ }
  }

  // Shared with the panel, which adds what the chat needs (messages, ranges, ...).
  var state = {
    token: load("token", null),
    pending: load("outbox", []), // [{client_id, body}] not yet acknowledged
    known: false,          // this visitor has a conversation (the launcher shows on every page then)
    open: false,
    unread: 0,
    socket: null,
    connected: false,
    retry: 0,
    site: null
  };

  // ----- DOM (Shadow DOM): the launcher; the panel adds its own parts -----
  var host = document.createElement("div");
  host.id = "sodan-widget";
  var root = host.attachShadow({ mode: "open" });
  root.innerHTML =
    "<style>:host{all:initial}*{box-sizing:border-box;font-family:system-ui,-apple-system,'Hiragino Sans','Noto Sans JP',sans-serif}" +
    ".launch{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:28px;padding:14px 20px;" +
    "color:var(--t);background:var(--c);font-size:15px;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25)}" +
    ".launch:focus-visible,button:focus-visible,textarea:focus-visible{outline:3px solid #79c0ff;outline-offset:2px}" +
    ".badge{display:none;margin-left:8px;background:#cf222e;border-radius:10px;padding:1px 7px;font-size:12px}.badge.on{display:inline-block}</style>" +
    "<button class='launch' type='button' aria-haspopup='dialog' aria-expanded='false' hidden><span class='label'></span><span class='badge'></span></button>";
  var launcher = root.querySelector(".launch"), badge = root.querySelector(".badge");
  root.querySelector(".label").textContent = OPEN;

  // The shop's colour, with text colours that stay readable on it and as text on white (WCAG 1.4.3: 4.5:1).
  function luminance(hex) {
    var m = /^#?([0-9a-f]{6})$/i.exec(hex || "");
    if (!m) return null;
    var n = parseInt(m[1], 16), c = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map(function (v) {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }
  function contrast(a, b) { return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); }
  function paint(color) {
    var l = luminance(color);
    if (l === null) { color = "#1f6feb"; l = luminance(color); }
    host.style.setProperty("--c", color);
    host.style.setProperty("--t", contrast(1, l) >= contrast(l, 0) ? "#fff" : "#000");
    host.style.setProperty("--ct", contrast(1, l) >= 4.5 ? color : "#1f2328");
  }
  paint("#1f6feb");
  function showBadge() {
    badge.textContent = state.unread ? String(state.unread) : "";
    badge.className = "badge" + (state.unread ? " on" : "");
  }

  // ----- the panel: fetched once, on demand; frames that arrive before it are kept for it -----
  var panel = null, waiting = [], early = [];
  function withPanel(fn) {
    if (panel) return fn(panel);
    waiting.push(fn);
    if (waiting.length > 1) return;
    var s = document.createElement("script");
    s.src = base + "/widget/__PANEL__";
    s.async = true;
    // Unreachable now: the next click (or reply) tries again; a proactive message waiting for it is let go.
    s.onerror = function () { waiting = []; watch.active = null; s.remove(); };
    document.head.appendChild(s);
  }

  // ----- socket -----
  function send(frame) {
    if (state.socket && state.connected) state.socket.send(JSON.stringify(frame));
  }
  function env() {
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { /* old browser */ }
    return { language: navigator.language || "", time_zone: zone, screen: screen.width + "x" + screen.height };
  }
  function connect() {
    var ws;
    try { ws = new WebSocket(socketUrl); } catch (e) { return reconnect(); }
    state.socket = ws;
    ws.onopen = function () {
      state.connected = true;
      state.retry = 0;
      if (panel) panel.connection(true);
      var hello = { type: "hello", site: site, page: { url: location.href, title: document.title, referrer: document.referrer }, env: env() };
      watch.sentUrl = hello.page.url;
      if (state.token) hello.token = state.token;
      ws.send(JSON.stringify(hello));
    };
    ws.onmessage = function (event) {
      var f;
      try { f = JSON.parse(event.data); } catch (e) { return; }
      handle(f);
    };
    ws.onclose = function () {
      var wasOpen = state.connected;
      state.connected = false;
      state.loadingOlder = false;
      if (state.socket !== ws) return;
      if (!wasOpen && !state.site && state.retry === 0) {
        console.error("Sodan: the chat server refused this page. Add " + location.origin + " to the allowed sites in Settings → Widget.");
      }
      reconnect();
    };
  }
  function reconnect() {
    if (panel && state.site) panel.connection(false);
    var delay = Math.min(30000, 1000 * Math.pow(2, state.retry++)) * (0.5 + Math.random() / 2);
    setTimeout(connect, delay);
  }

  function handle(f) {
    switch (f.type) {
      case "welcome": {
        state.token = f.token;
        save("token", f.token);
        state.site = f.site;
        paint(f.site.color);
        var c = f.conversations[f.conversations.length - 1];
        state.known = !!c;
        if (!panel) { state.unread = c ? c.unread : 0; showBadge(); }
        updateLauncher();
        // Customer context called before the socket was up; the panel then sends what was typed offline.
        context.splice(0).forEach(send);
        if (state.pending.length) withPanel(function () {});
        early = [];
        break;
      }
      case "triggers":
        // A list chosen for an earlier page is stale; the one for this page follows.
        if (f.page !== watch.sentUrl) return;
        watch.list = f.triggers;
        watch.depth = Math.max(watch.depth, scrollDepth());
        return;
      case "triggers_changed":
        send({ type: "triggers" });
        return;
      case "message":
        // A reply is news: the panel counts it, blinks the tab and keeps it.
        if (f.message.author.kind !== "visitor") withPanel(function () {});
        break;
    }
    if (panel) panel.handle(f);
    else if (early.length < 500) early.push(f);
  }

  // `*` is any run of characters; matched piece by piece left to right (linear, as the server does it: a
  // regular expression with several `.*` backtracks for seconds on a long path).
  function wildcard(pattern, text) {
    var parts = pattern.split("*");
    if (parts.length === 1) return pattern === text;
    var first = parts[0], last = parts[parts.length - 1];
    if (text.length < first.length + last.length || text.indexOf(first) !== 0 || text.slice(text.length - last.length) !== last) return false;
    var rest = text.slice(first.length, text.length - last.length);
    for (var i = 1; i < parts.length - 1; i++) {
      var at = rest.indexOf(parts[i]);
      if (at < 0) return false;
      rest = rest.slice(at + parts[i].length);
    }
    return true;
  }
  function updateLauncher() {
    var paths = (state.site && state.site.launcher_paths) || [];
    var show = !paths.length || paths.some(function (p) { return wildcard(p, location.pathname); }) || state.known;
    launcher.hidden = !show;
  }
  function setOpen(open) { withPanel(function (p) { p.setOpen(open); }); }
  launcher.addEventListener("click", function () { setOpen(!state.open); });

  // ----- page views, single-page apps included -----
  var lastUrl = location.href;
  function pageChanged() {
    if (location.href === lastUrl) return;
    lastUrl = location.href;
    newPage();
    watch.sentUrl = location.href;
    send({ type: "page", url: location.href, title: document.title, referrer: document.referrer });
    updateLauncher();
  }
  ["pushState", "replaceState"].forEach(function (name) {
    var original = history[name];
    history[name] = function () {
      var result = original.apply(this, arguments);
      setTimeout(pageChanged, 0);
      return result;
    };
  });
  window.addEventListener("popstate", pageChanged);
  window.addEventListener("hashchange", pageChanged);

  // ----- proactive messages: the server sends those that apply to this visitor on this page; the page
  // conditions (idle, time on page, scroll depth, exit intent) are watched here, the message is the panel's -----
  var watch = {
    list: [], sentUrl: null, shownHere: {}, active: null, answered: false,
    start: Date.now(), last: Date.now(), depth: 0, exit: false, wrote: false
  };
  function textOf(t) {
    return lang === "ja" ? (t.text_ja || t.text_en) : (t.text_en || t.text_ja);
  }
  function scrollDepth() {
    var doc = document.documentElement, height = Math.max(doc.scrollHeight, document.body.scrollHeight, 1);
    return Math.min(100, Math.round((window.scrollY + window.innerHeight) / height * 100));
  }
  function newPage() {
    if (panel) panel.hideTip();
    watch.list = []; watch.shownHere = {}; watch.active = null;
    watch.start = watch.last = Date.now(); watch.depth = scrollDepth(); watch.exit = false;
  }
  function ready(t, now) {
    if (watch.shownHere[t.id] || (t.quiet_in_conversation && watch.wrote)) return false;
    if (t.idle_secs != null && now - watch.last < t.idle_secs * 1000) return false;
    if (t.time_on_page_secs != null && now - watch.start < t.time_on_page_secs * 1000) return false;
    if (t.scroll_percent != null && watch.depth < t.scroll_percent) return false;
    if (t.exit_intent && !watch.exit) return false;
    return !!textOf(t);
  }
  function checkTriggers() {
    if (watch.active || state.open || !state.connected) return;
    var now = Date.now();
    for (var i = 0; i < watch.list.length; i++) {
      var t = watch.list[i];
      if (ready(t, now)) {
        // Held while the panel loads, so it is not chosen twice; shown (and counted) once the panel is here.
        watch.shownHere[t.id] = true;
        watch.active = t;
        withPanel(function (p) { if (watch.active === t && !state.open) p.fire(t); else if (watch.active === t) watch.active = null; });
        return;
      }
    }
  }
  function seenActivity() { watch.last = Date.now(); }
  ["mousemove", "keydown", "pointerdown", "touchstart", "wheel"].forEach(function (name) {
    window.addEventListener(name, seenActivity, { passive: true, capture: true });
  });
  window.addEventListener("scroll", function () {
    seenActivity();
    watch.depth = Math.max(watch.depth, scrollDepth());
  }, { passive: true });
  // Exit intent: the pointer leaves through the top of the window (towards the tabs); not on touch screens,
  // where fingers do not leave windows.
  document.addEventListener("mouseout", function (e) {
    var touch = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
    if (!touch && !e.relatedTarget && e.clientY <= 0) { watch.exit = true; checkTriggers(); }
  });
  setInterval(checkTriggers, 500);

  // ----- the JavaScript API (identify / set / track / page / setCart / reset), Segment-style -----
  var context = [];
  function ctx(frame) {
    // Once open, the socket has sent hello first, so the server handles this after it.
    if (state.socket && state.connected) send(frame); else context.push(frame);
  }
  var api = {
    identify: function (userId, traits, userHash) {
      ctx({ type: "identify", user_id: String(userId), user_hash: userHash || null, traits: traits || {} });
    },
    set: function (attributes) { ctx({ type: "set", attributes: attributes || {} }); },
    track: function (name, properties) { ctx({ type: "track", name: String(name), properties: properties || {} }); },
    setCart: function (items) { ctx({ type: "cart", items: items || [] }); },
    page: function () { lastUrl = ""; pageChanged(); },
    // On logout: forget this browser's visitor; the next visitor starts anonymous.
    reset: function () {
      save("token", null); save("outbox", []);
      state.token = null; state.pending = []; state.known = false; state.unread = 0; context = []; early = [];
      if (panel) panel.reset(); else showBadge();
      var old = state.socket;
      state.socket = null; state.connected = false;
      if (old) old.close();
      connect();
    },
    open: function () { setOpen(true); },
    close: function () { setOpen(false); }
  };
  // What the panel is given when it arrives: the shared state and the means to talk and draw.
  var core = {
    site: site, base: base, lang: lang, state: state, root: root, launcher: launcher, watch: watch,
    send: send, save: save, showBadge: showBadge, textOf: textOf
  };
  // The panel script calls this once it has loaded (not part of the shop's API).
  api._panel = function (make) {
    if (panel) return;
    panel = make(core);
    var frames = early;
    early = [];
    frames.forEach(panel.handle);
    if (!state.connected && state.site) panel.connection(false);
    waiting.splice(0).forEach(function (fn) { fn(panel); });
  };
  // Calls made before this script loaded were queued by the snippet's stub: replay them in order.
  var queued = window.Sodan && window.Sodan.q;
  window.Sodan = window.SodanWidget = api;
  if (queued) queued.forEach(function (call) { if (api[call[0]]) api[call[0]].apply(null, call[1]); });
  function start() {
    document.body.appendChild(host);
    connect();
  }
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
