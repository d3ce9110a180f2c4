// Sodan console: progressive enhancement. Every page works without this file; with it, the inbox updates
// live over the console socket, replies are sent without a reload, and new messages notify.
"use strict";
(function () {
  document.addEventListener("DOMContentLoaded", function () {
    var link = document.getElementById("invite-link");
    if (link) link.addEventListener("focus", function () { link.select(); });
    var snippet = document.getElementById("widget-snippet");
    if (snippet) snippet.addEventListener("focus", function () { snippet.select(); });
    localTimes(document);
    // The installable console: the worker shows an offline page when the server cannot be reached.
    if ("serviceWorker" in navigator && document.querySelector(".topbar")) {
      navigator.serviceWorker.register("/sw.js").catch(function () { /* the console works without it */ });
    }
    var pushPage = document.getElementById("push");
    if (pushPage) pushDevices(pushPage);
    var inbox = document.getElementById("inbox");
    if (inbox) { live(inbox); shortcuts(); }
    // Settings → Hours: a list of holiday dates read from a file is added to the text box.
    var holidaysFile = document.getElementById("holidays-file");
    if (holidaysFile) holidaysFile.addEventListener("change", function () {
      var file = holidaysFile.files[0], box = document.getElementById("holidays");
      if (!file || !box) return;
      file.text().then(function (text) {
        box.value = (box.value.trim() ? box.value.trim() + "\n" : "") + text.trim();
      });
    });
    // What cannot be undone asks first (deleting, replacing the identity secret).
    document.addEventListener("submit", function (e) {
      var form = e.target;
      if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) e.preventDefault();
    }, true);
    var segmentFilter = document.getElementById("segment-filter");
    if (segmentFilter) segmentFilter.addEventListener("change", function () { segmentFilter.form.submit(); });
  });

  // Keyboard shortcuts in the inbox (listed with "?"): e resolve/reopen, s snooze, a assign to me, r reply,
  // j/k next/previous conversation. Keys typed into a field are the field's.
  function shortcuts() {
    var dialog = document.getElementById("shortcuts"), help = document.getElementById("shortcuts-open");
    var toggle = function () { if (dialog.open) dialog.close(); else dialog.showModal(); };
    if (help && dialog) help.addEventListener("click", toggle);
    document.addEventListener("keydown", function (e) {
      var t = e.target;
      if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      if (e.key === "?" && dialog) { e.preventDefault(); toggle(); return; }
      if (dialog && dialog.open) return;
      var button = document.querySelector('#quick-actions [data-key="' + e.key + '"]');
      if (button) { e.preventDefault(); button.click(); return; }
      if (e.key === "r") {
        var box = document.getElementById("reply-body");
        if (box) { e.preventDefault(); box.focus(); }
      } else if (e.key === "j" || e.key === "k") {
        var rows = [].slice.call(document.querySelectorAll("#conversations li[data-id] > a"));
        var at = rows.findIndex(function (a) { return a.parentNode.classList.contains("active"); });
        var next = at < 0 ? 0 : at + (e.key === "j" ? 1 : -1);
        if (rows[next]) location.href = rows[next].href;
      }
    });
  }

  // Times in the shop's time zone (the page's data-zone), as the server writes them, whatever the
  // operator's computer is set to.
  function clock(date, style) {
    var zone = document.documentElement.dataset.zone;
    try {
      return date.toLocaleString(document.documentElement.lang, zone ? Object.assign({ timeZone: zone }, style) : style);
    } catch (e) {
      return date.toLocaleString(document.documentElement.lang, style);
    }
  }
  function localTimes(root) {
    root.querySelectorAll("time[data-ts]").forEach(function (t) {
      var d = new Date(Number(t.getAttribute("data-ts")));
      t.textContent = clock(d, { dateStyle: "short", timeStyle: "short" });
      t.setAttribute("datetime", d.toISOString());
    });
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text; // text only: never HTML from a message
    return e;
  }

  function live(inbox) {
    var i18n = document.getElementById("i18n").dataset;
    var me = Number(inbox.dataset.me);
    var openId = inbox.dataset.open ? Number(inbox.dataset.open) : null;
    var visitorId = inbox.dataset.visitor ? Number(inbox.dataset.visitor) : null;
    var lastSeq = Number(inbox.dataset.lastSeq || 0);
    var firstSeq = Number(inbox.dataset.firstSeq || 0);
    var list = document.getElementById("conversations");
    var log = document.getElementById("log");
    var typing = document.getElementById("typing");
    var form = document.getElementById("reply-form");
    var body = document.getElementById("reply-body");
    var noteBox = document.getElementById("reply-note");
    var presence = document.getElementById("presence");
    var socket = null, connected = false, retry = 0, typingSent = 0, unreadTitle = 0;
    var pending = {};
    var assignees = {}; // conversation id -> assignee, from conversation frames (they precede messages)
    var baseTitle = document.title;
    if (log) log.scrollTop = log.scrollHeight;

    // With the AI on, each visitor message offers a translation into the console's language, shown under it.
    var aiOn = !!document.getElementById("ai-draft");
    function csrfToken() {
      var input = document.querySelector("input[name=csrf]");
      return input ? input.value : "";
    }
    function aiTranslate(li) {
      if (!aiOn || !li.classList.contains("visitor") || li.querySelector(".ai-translate")) return;
      var button = el("button", "small secondary ai-translate", i18n.translate);
      button.type = "button";
      button.addEventListener("click", function () {
        button.disabled = true;
        var data = new URLSearchParams({ text: li.querySelector(".body").textContent, to: document.documentElement.lang });
        fetch("/inbox/" + openId + "/translate", {
          method: "POST", credentials: "same-origin", body: data,
          headers: { "X-CSRF-Token": csrfToken() }
        }).then(function (r) { return r.json(); }).then(function (answer) {
          var out = el("div", "translation", answer.translation || answer.error || "");
          button.replaceWith(out);
        }, function () { button.disabled = false; });
      });
      li.appendChild(button);
    }
    if (log) [].forEach.call(log.querySelectorAll("li.msg.visitor"), aiTranslate);
    var summaryButton = document.getElementById("ai-summary");
    if (summaryButton) summaryButton.addEventListener("click", function () {
      var label = summaryButton.textContent;
      summaryButton.disabled = true;
      summaryButton.textContent = summaryButton.dataset.busy;
      fetch("/inbox/" + openId + "/summary", {
        method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrfToken() }
      }).then(function (r) { return r.json(); }).then(function (answer) {
        if (answer.error) { var s = document.getElementById("ai-sources"); s.textContent = answer.error; s.hidden = false; }
      }).then(function () { summaryButton.disabled = false; summaryButton.textContent = label; });
    });

    function messageItem(m) {
      var fromVisitor = m.author.kind === "visitor";
      var li = el("li", "msg " + (fromVisitor ? "visitor" : "team") + (m.note ? " note" : ""));
      li.dataset.id = m.id;
      li.dataset.seq = m.seq;
      var who = el("div", "who", fromVisitor ? i18n.visitor : m.author.kind === "system" ? i18n.automatic : m.author.kind === "bot" ? i18n.bot : m.author.name);
      if (m.note) { who.appendChild(document.createTextNode(" ")); who.appendChild(el("span", "tag", i18n.note)); }
      who.appendChild(document.createTextNode(" "));
      var t = el("time");
      t.setAttribute("data-ts", m.created_at);
      who.appendChild(t);
      li.appendChild(who);
      li.appendChild(el("div", "body", m.body));
      if (m.attachment) {
        var href = "/inbox/" + m.conversation + "/uploads/" + m.attachment.upload_id;
        var a = el("a", "att");
        a.href = href;
        a.target = "_blank";
        a.rel = "noopener";
        if (/^image\//.test(m.attachment.content_type)) {
          var img = el("img");
          img.src = href;
          img.alt = m.attachment.filename;
          a.appendChild(img);
        } else {
          a.textContent = "📄 " + m.attachment.filename;
        }
        li.appendChild(a);
      }
      localTimes(li);
      aiTranslate(li);
      return li;
    }

    function appendMessage(m) {
      if (!log || m.conversation !== openId) return;
      if (log.querySelector('li[data-id="' + m.id + '"]')) return;
      var nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
      log.appendChild(messageItem(m));
      lastSeq = Math.max(lastSeq, m.seq);
      if (nearBottom || m.author.kind !== "visitor") log.scrollTop = log.scrollHeight;
      if (!document.hidden) send({ type: "read", conversation: openId, up_to_seq: lastSeq });
    }

    function statusName(s) { return i18n[s] || s; }

    function upsertConversation(c) {
      if (!list) return;
      var existing = list.querySelector('li[data-id="' + c.id + '"]');
      var view = inbox.dataset.view, status = inbox.dataset.status;
      // A segment-filtered list adds a conversation when the frame says its customer is a member (frames
      // from the customer's own messages do).
      var segment = Number(inbox.dataset.segment);
      if (segment && !existing && !(c.segments && c.segments.indexOf(segment) >= 0)) return;
      var fits = c.status === status &&
        (view === "all" || (view === "mine" && c.assignee === me) || (view === "unassigned" && c.assignee == null));
      if (!fits) { if (existing && c.id !== openId) existing.remove(); return; }
      // Rendered like a server row: the customer's name, the assignee, and a priority mark the row had.
      var priority = existing && existing.classList.contains("priority");
      var li = el("li", (c.id === openId ? "active" : "") + (c.unread > 0 && c.id !== openId ? " unread" : "") +
        (priority ? " priority" : ""));
      li.dataset.id = c.id;
      var a = el("a");
      a.href = "/inbox/" + c.id + "?" + inbox.dataset.query;
      a.appendChild(el("span", "title", c.customer_name || i18n.visitor + " #" + c.visitor_id));
      if (c.unread > 0 && c.id !== openId) a.appendChild(el("span", "count", String(c.unread)));
      a.appendChild(el("span", "preview", c.preview));
      var meta = el("span", "meta");
      var t = el("time");
      t.setAttribute("data-ts", c.last_activity_at);
      meta.appendChild(t);
      meta.appendChild(document.createTextNode(" · " + statusName(c.status) +
        (c.assignee_name ? " · " + c.assignee_name : "")));
      a.appendChild(meta);
      li.appendChild(a);
      localTimes(li);
      if (existing) existing.remove();
      list.insertBefore(li, list.firstChild);
      var empty = document.getElementById("inbox-empty");
      if (empty) empty.remove();
    }

    function notify(title, text) {
      unreadTitle += document.hidden ? 1 : 0;
      document.title = unreadTitle ? "(" + unreadTitle + ") " + baseTitle : baseTitle;
      beep();
      if (document.hidden && window.Notification && Notification.permission === "granted") {
        try { new Notification(title, { body: text, tag: "sodan" }); } catch (e) { /* not supported here */ }
      }
    }
    // Browsers keep audio suspended until the operator clicks in the page (autoplay rules): the console
    // says so, and one click unlocks the sound and asks for notifications.
    var Ctx = window.AudioContext || window.webkitAudioContext;
    function audio() {
      try { return beep.ctx || (beep.ctx = new Ctx()); } catch (e) { return null; }
    }
    function beep() {
      var ctx = audio();
      if (!ctx || ctx.state !== "running") return;
      var o = ctx.createOscillator(), g = ctx.createGain();
      o.frequency.value = 660; g.gain.value = 0.05;
      o.connect(g); g.connect(ctx.destination); o.start(); o.stop(ctx.currentTime + 0.15);
    }
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) {
        unreadTitle = 0;
        document.title = baseTitle;
        if (openId && lastSeq) send({ type: "read", conversation: openId, up_to_seq: lastSeq });
      }
    });
    var enable = document.getElementById("notify-enable"), blocked = document.getElementById("sound-blocked");
    function soundState() {
      var ctx = audio(), soundOff = !!ctx && ctx.state !== "running";
      var ask = !!window.Notification && Notification.permission === "default";
      if (enable) enable.hidden = !(soundOff || ask);
      if (blocked) blocked.hidden = !soundOff;
    }
    function unlock() {
      var ctx = audio();
      if (ctx && ctx.state !== "running") ctx.resume().then(soundState, soundState);
    }
    if (enable) enable.addEventListener("click", function () {
      unlock();
      if (window.Notification && Notification.permission === "default") {
        Notification.requestPermission().then(soundState, soundState);
      }
    });
    document.addEventListener("pointerdown", unlock);
    document.addEventListener("keydown", unlock);
    soundState();

    function handle(f) {
      switch (f.type) {
        case "conversation":
          assignees[f.conversation.id] = f.conversation.assignee;
          upsertConversation(f.conversation);
          break;
        case "message": {
          appendMessage(f.message);
          var c = f.message;
          var assignee = assignees[c.conversation];
          var forMe = assignee == null || assignee === me;
          if (c.author.kind === "visitor" && forMe && (c.conversation !== openId || document.hidden)) {
            notify(i18n.visitor, c.body);
          }
          break;
        }
        case "ack": {
          var li = pending[f.client_id];
          if (li) {
            li.classList.remove("pending");
            li.dataset.id = f.id;
            li.dataset.seq = f.seq;
            delete pending[f.client_id];
            var dup = log && log.querySelectorAll('li[data-id="' + f.id + '"]');
            if (dup && dup.length > 1) li.remove();
          }
          lastSeq = Math.max(lastSeq, f.seq);
          break;
        }
        case "typing":
          var myName = document.getElementById("me-name").textContent;
          if (typing && f.conversation === openId && (f.visitor || f.name !== myName)) {
            typing.textContent = (f.visitor ? i18n.visitor : f.name) + " " + i18n.typing;
            clearTimeout(handle.timer);
            handle.timer = setTimeout(function () { typing.textContent = ""; }, 3000);
          }
          break;
        case "presence":
          if (presence && f.visitor_id === visitorId) {
            presence.textContent = "";
            if (f.online && f.page) {
              presence.appendChild(document.createTextNode(i18n.viewing + " "));
              var a = el("a", "", (f.page.title ? f.page.title + " — " : "") + f.page.url);
              a.href = f.page.url;
              a.target = "_blank";
              a.rel = "noopener noreferrer";
              presence.appendChild(a);
            } else {
              presence.appendChild(document.createTextNode(i18n.lastSeen + " " + clock(new Date(), { timeStyle: "short" })));
            }
          }
          if (f.visitor_id === visitorId && f.page) updateCard(f.page);
          refreshCard(f.visitor_id);
          break;
        case "customer":
          refreshCard(f.visitor_id);
          break;
        case "segments":
          updateSegments(f);
          break;
        case "error":
          if (typing) typing.textContent = f.message;
          break;
      }
    }

    function send(frame) {
      if (socket && connected) { socket.send(JSON.stringify(frame)); return true; }
      return false;
    }
    function connect() {
      var proto = location.protocol === "https:" ? "wss://" : "ws://";
      socket = new WebSocket(proto + location.host + "/console/ws");
      socket.onopen = function () {
        connected = true;
        // Opening a conversation is reading it: said over the socket, never by loading the page.
        if (openId && lastSeq && !document.hidden) send({ type: "read", conversation: openId, up_to_seq: lastSeq });
        if (retry > 0) catchUp();
        retry = 0;
        if (typing) typing.textContent = "";
      };
      socket.onmessage = function (e) {
        try { handle(JSON.parse(e.data)); } catch (err) { /* ignore a frame we cannot read */ }
      };
      socket.onclose = function () {
        connected = false;
        if (typing) typing.textContent = i18n.offline;
        var delay = Math.min(30000, 1000 * Math.pow(2, retry++)) * (0.5 + Math.random() / 2);
        // A session that ended (signed out elsewhere, password changed, account disabled) goes to sign-in
        // instead of retrying for ever; a server that is away is retried with back-off.
        fetch("/account", { credentials: "same-origin", redirect: "manual" })
          .then(function (r) {
            if (r.type === "opaqueredirect" || r.status === 401) location.assign("/login");
            else setTimeout(connect, delay);
          }, function () { setTimeout(connect, delay); });
      };
    }
    // Canned replies: "/" (at the start or after a space) opens a picker of the replies filled in for this
    // conversation; arrows choose, Enter inserts the text for editing (it is not sent), Escape closes.
    function cannedPicker(box, form) {
      var all = null, shown = [], active = 0, start = -1;
      var pop = el("ul", "canned-picker");
      pop.id = "canned-picker";
      pop.setAttribute("role", "listbox");
      pop.hidden = true;
      box.parentNode.insertBefore(pop, box.nextSibling);
      function load() {
        if (all) return Promise.resolve(all);
        return fetch("/inbox/" + openId + "/canned", { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (list) { all = list; return list; });
      }
      function query() {
        var caret = box.selectionStart, m = /(^|\s)\/([^\s\/]*)$/.exec(box.value.slice(0, caret));
        if (!m) return null;
        start = caret - m[2].length - 1;
        return m[2].toLowerCase();
      }
      function close() { pop.hidden = true; shown = []; }
      function matches(r, q) {
        return !q || r.shortcut.indexOf(q) === 0 || r.title.toLowerCase().indexOf(q) >= 0 ||
          r.tags.some(function (t) { return t.toLowerCase().indexOf(q) === 0; });
      }
      function draw() {
        pop.textContent = "";
        if (!shown.length) { pop.appendChild(el("li", "none", i18n.cannedNone)); }
        shown.forEach(function (r, i) {
          var li = el("li", i === active ? "active" : "");
          li.setAttribute("role", "option");
          li.dataset.canned = r.id;
          li.appendChild(el("strong", "", r.title));
          if (r.shortcut) li.appendChild(el("span", "sc", "/" + r.shortcut));
          if (r.missing.length) {
            li.className += " unusable";
            li.setAttribute("aria-disabled", "true");
            li.appendChild(el("span", "missing", i18n.cannedMissing + " " +
              r.missing.map(function (v) { return "{{" + v + "}}"; }).join(", ")));
          } else {
            li.appendChild(el("span", "tx", r.text));
          }
          li.addEventListener("mousedown", function (e) { e.preventDefault(); insert(r); });
          pop.appendChild(li);
        });
        pop.hidden = false;
      }
      function update() {
        var q = query();
        if (q === null) { close(); return; }
        load().then(function (list) {
          if (query() !== q) return;
          shown = list.filter(function (r) { return matches(r, q); }).slice(0, 8);
          active = 0;
          draw();
        });
      }
      function insert(r) {
        // A reply with a variable this customer cannot fill stays in the list, saying why; it is never
        // inserted with a hole.
        if (r.missing.length) return;
        var caret = box.selectionStart;
        box.value = box.value.slice(0, start) + r.text + box.value.slice(caret);
        var at = start + r.text.length;
        box.setSelectionRange(at, at);
        close();
        box.focus();
        fetch("/canned/" + r.id + "/used", {
          method: "POST", credentials: "same-origin",
          headers: { "X-CSRF-Token": form.querySelector("input[name=csrf]").value }
        });
      }
      box.addEventListener("input", update);
      box.addEventListener("blur", function () { setTimeout(close, 150); });
      box.addEventListener("keydown", function (e) {
        if (pop.hidden) return;
        var keys = { ArrowDown: 1, ArrowUp: -1 };
        if (keys[e.key] && shown.length) {
          active = (active + keys[e.key] + shown.length) % shown.length;
          draw();
        } else if (e.key === "Enter" && !e.isComposing && shown.length) {
          insert(shown[active]);
        } else if (e.key === "Escape") {
          close();
        } else {
          return;
        }
        e.preventDefault();
        e.stopImmediatePropagation();
      });
    }

    // A customer's segments and intent score changed: the card shows them as they are now.
    function updateSegments(f) {
      var card = document.getElementById("customer-card");
      if (!card || Number(card.dataset.customer) !== f.visitor_id) return;
      var dd = card.querySelector('[data-field="segments"] dd');
      if (dd) {
        dd.textContent = "";
        var ul = el("ul", "segments");
        f.segments.forEach(function (s) {
          var li = el("li", "");
          li.dataset.segment = s.id;
          var a = el("a", "", s.name);
          a.href = "/customers?segment=" + s.id;
          li.appendChild(a);
          ul.appendChild(li);
        });
        dd.appendChild(ul);
        if (!f.segments.length) dd.appendChild(el("span", "none", i18n.noneKnown || "—"));
      }
      var score = card.querySelector('[data-field="intent"] dd');
      if (score) score.textContent = String(f.intent);
    }

    // Cart, visits, last seen and the rest of the card: read again as the server renders it, shortly after
    // the widget reported a change (several changes in a row make one read). Notes being typed stay.
    function refreshCard(customer) {
      var card = document.getElementById("customer-card");
      if (!card || !openId || Number(card.dataset.customer) !== customer) return;
      clearTimeout(refreshCard.timer);
      refreshCard.timer = setTimeout(function () {
        var back = location.pathname + location.search;
        fetch("/inbox/" + openId + "/card?back=" + encodeURIComponent(back), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.text() : null; })
          .then(function (html) {
            if (!html) return;
            var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("#customer-card dl");
            var now = document.querySelector("#customer-card dl");
            if (!fresh || !now) return;
            now.replaceWith(fresh);
            localTimes(fresh);
          });
      }, 300);
    }

    // The customer card follows the visitor live: the page they are on now, then the pages before it.
    function updateCard(page) {
      var card = document.getElementById("customer-card");
      if (!card) return;
      var link = function () {
        var a = el("a", "", page.title || page.url);
        a.href = page.url; a.target = "_blank"; a.rel = "noopener noreferrer";
        return a;
      };
      var now = card.querySelector('[data-field="current_page"] dd');
      if (now) { now.textContent = ""; now.appendChild(link()); }
      var recent = card.querySelector('[data-field="recent_pages"] dd');
      if (recent) {
        var list = recent.querySelector("ol.pages");
        if (!list) { recent.textContent = ""; list = el("ol", "pages"); recent.appendChild(list); }
        var first = list.querySelector("li a");
        if (first && first.getAttribute("href") === page.url) return;
        var li = el("li", "");
        li.appendChild(link());
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("time", "", clock(new Date(page.at || Date.now()), { dateStyle: "short", timeStyle: "short" })));
        list.insertBefore(li, list.firstChild);
      }
    }
    // After a reconnect, fetch what was missed by sequence number: nothing lost, nothing twice.
    // A full batch (500) means more may follow: ask again after its last one. A message that also arrived
    // live is shown once (appendMessage skips ids it holds).
    function catchUp(after) {
      if (!openId) return;
      var id = openId, from = after === undefined ? lastSeq : after;
      fetch("/inbox/" + id + "/messages?after=" + from, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (messages) {
          messages.forEach(appendMessage);
          if (messages.length >= 500 && id === openId) catchUp(messages[messages.length - 1].seq);
        });
    }
    connect();

    var earlier = document.getElementById("load-earlier");
    function loadEarlier() {
      if (!openId || firstSeq <= 1 || loadEarlier.busy) return;
      loadEarlier.busy = true;
      fetch("/inbox/" + openId + "/messages?before=" + firstSeq, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (messages) {
          var height = log.scrollHeight;
          messages.slice().reverse().forEach(function (m) {
            if (!log.querySelector('li[data-id="' + m.id + '"]')) log.insertBefore(messageItem(m), log.firstChild);
          });
          if (messages.length) firstSeq = messages[0].seq;
          if (firstSeq <= 1 && earlier) earlier.remove();
          log.scrollTop = log.scrollHeight - height;
          loadEarlier.busy = false;
        });
    }
    if (earlier) earlier.addEventListener("click", loadEarlier);
    if (log) log.addEventListener("scroll", function () { if (log.scrollTop < 20) loadEarlier(); });

    if (form && body) {
      // Sends a message over the socket and shows it as pending until acknowledged; false without a socket.
      function post(text, note) {
        var clientId = "c" + Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
        if (!send({ type: "message", conversation: openId, client_id: clientId, body: text, note: note })) return false;
        var li = messageItem({ id: "pending-" + clientId, seq: 0, conversation: openId, author: { kind: "operator", name: document.getElementById("me-name").textContent }, body: text, note: note, created_at: Date.now() });
        li.classList.add("pending");
        log.appendChild(li);
        log.scrollTop = log.scrollHeight;
        pending[clientId] = li;
        return true;
      }
      form.addEventListener("submit", function (e) {
        var text = body.value.trim();
        if (!text) { e.preventDefault(); return; }
        var note = !!(noteBox && noteBox.checked);
        if (!post(text, note)) return; // plain form post
        e.preventDefault();
        // A reply translated for the customer keeps its original beside it, for the team only.
        var original = body.dataset.original;
        delete body.dataset.original;
        if (original && !note) post(translateDraft.dataset.original + "\n" + original, true);
        body.value = "";
        if (noteBox) noteBox.checked = false;
      });
      // "Translate for the customer": the draft becomes the customer's language; the original is kept and
      // sent along as a private note.
      var translateDraft = document.getElementById("ai-translate-draft");
      if (translateDraft) translateDraft.addEventListener("click", function () {
        var text = body.value.trim();
        if (!text) return;
        var label = translateDraft.textContent;
        translateDraft.disabled = true;
        translateDraft.textContent = translateDraft.dataset.busy;
        fetch("/inbox/" + openId + "/translate", {
          method: "POST", credentials: "same-origin", body: new URLSearchParams({ text: text, to: "visitor" }),
          headers: { "X-CSRF-Token": form.querySelector("input[name=csrf]").value }
        }).then(function (r) { return r.json(); }).then(function (answer) {
          var sources = document.getElementById("ai-sources");
          if (answer.translation) {
            body.dataset.original = body.dataset.original || text;
            body.value = answer.translation;
            sources.textContent = translateDraft.dataset.original + " " + body.dataset.original;
          } else {
            sources.textContent = answer.error || "";
          }
          sources.hidden = !sources.textContent;
        }).then(function () {
          translateDraft.disabled = false;
          translateDraft.textContent = label;
        });
      });
      // "Draft a reply": the shop's model drafts from the conversation and the help passages; the draft is
      // put in the reply box for editing (never sent by itself), with the articles it used.
      var draftButton = document.getElementById("ai-draft"), sources = document.getElementById("ai-sources");
      if (draftButton) draftButton.addEventListener("click", function () {
        var label = draftButton.textContent;
        draftButton.disabled = true;
        draftButton.textContent = draftButton.dataset.busy;
        fetch("/inbox/" + openId + "/draft", {
          method: "POST", credentials: "same-origin",
          headers: { "X-CSRF-Token": form.querySelector("input[name=csrf]").value }
        }).then(function (r) { return r.json(); }).then(function (answer) {
          sources.textContent = "";
          if (answer.draft) {
            body.value = answer.draft;
            body.focus();
            if (answer.sources.length) {
              sources.appendChild(document.createTextNode(sources.dataset.label + " "));
              answer.sources.forEach(function (s, i) {
                var a = el("a", "", s.title);
                a.href = "/settings/faq/articles/" + s.id;
                if (i) sources.appendChild(document.createTextNode(", "));
                sources.appendChild(a);
              });
            }
          } else {
            sources.textContent = answer.error || "";
          }
          sources.hidden = !sources.textContent;
        }, function () { sources.hidden = true; }).then(function () {
          draftButton.disabled = false;
          draftButton.textContent = label;
        });
      });
      // Registered first: while the picker is open, its keys (Enter included) are not the reply box's.
      cannedPicker(body, form);
      // The Enter that confirms an IME conversion must not send (Safari: keyCode 229, isComposing false,
      // right after compositionend).
      var composedAt = 0;
      body.addEventListener("compositionend", function () { composedAt = Date.now(); });
      body.addEventListener("keydown", function (e) {
        var confirming = e.isComposing || e.keyCode === 229 || Date.now() - composedAt < 50;
        if (e.key === "Enter" && !e.shiftKey && !confirming) {
          e.preventDefault();
          form.requestSubmit();
        }
      });
      body.addEventListener("input", function () {
        var now = Date.now();
        if (now - typingSent > 1500 && !(noteBox && noteBox.checked)) {
          typingSent = now;
          send({ type: "typing", conversation: openId });
        }
      });
      body.focus();
      var file = document.getElementById("reply-file");
      if (file) file.addEventListener("change", function () {
        var f = file.files[0];
        if (!f) return;
        fetch("/inbox/" + openId + "/uploads?name=" + encodeURIComponent(f.name), {
          method: "POST", credentials: "same-origin", body: f,
          headers: { "X-CSRF-Token": form.querySelector("input[name=csrf]").value }
        }).then(function (r) {
          if (!r.ok) return r.json().then(function (e) { typing.textContent = e.message; });
        });
        file.value = "";
      });
    }
  }

  // Segment rule builder: groups of rows that write the rule's text form into the textarea (which stays the
  // source of truth: typing there directly works too, and then the builder steps aside).
  var builder = document.getElementById("rule-builder");
  var ruleText = document.getElementById("rule-text");
  if (builder && ruleText) ruleBuilder(builder, ruleText);

  function ruleBuilder(root, textarea) {
    var d = root.dataset;
    var FIELDS = ["attr.", "name", "email", "phone", "language", "device", "referrer", "visits", "conversations",
      "cart.value", "cart.items", "intent", "first_seen", "last_seen", "identified"];
    var COUNTS = ["pages", "repeat_pages", "events"];
    var OPS = ["=", "!=", "contains", ">", ">=", "<", "<=", "is set", "is not set", "before", "after", "within", "over"];
    var CMPS = [">=", ">", "=", "!=", "<", "<="];
    var tree;
    try { tree = JSON.parse(d.rule); } catch (e) { return; }
    if (!tree.group) tree = { group: "all", parts: [tree] };
    root.hidden = false;
    textarea.addEventListener("input", function () { root.disabled = true; });

    function select(options, value, label) {
      var s = document.createElement("select");
      options.forEach(function (o) {
        var opt = document.createElement("option");
        opt.value = o[0]; opt.textContent = o[1];
        if (o[0] === value) opt.selected = true;
        s.appendChild(opt);
      });
      if (label) s.setAttribute("aria-label", label);
      return s;
    }
    function input(value, placeholder, cls) {
      var i = document.createElement("input");
      i.type = "text"; i.value = value == null ? "" : String(value); i.placeholder = placeholder || "";
      if (cls) i.className = cls;
      return i;
    }
    function pairs(list) { return list.map(function (x) { return [x, x]; }); }
    function literal(op, value) {
      if (op === "is set" || op === "is not set") return "";
      if (op === "contains") return " " + JSON.stringify(value);
      if ((op === "=" || op === "!=") && !/^(-?\d+(\.\d+)?|true|false)$/.test(value)) return " " + JSON.stringify(value);
      return " " + value;
    }
    function text(node) {
      if (node.raw != null) return node.raw;
      if (node.group) {
        var inner = node.parts.map(text).join(", ");
        return node.group === "none" ? "not(any(" + inner + "))" : node.group + "(" + inner + ")";
      }
      if (node.count) {
        var args = [JSON.stringify(node.arg)];
        if (node.window) args.push(node.window);
        if (node.properties) args.push(node.properties);
        return node.count + "(" + args.join(", ") + ") " + node.op + " " + node.n;
      }
      return node.field + " " + node.op + literal(node.op, node.value);
    }
    function write() { if (!root.disabled) textarea.value = tree.parts.length ? text(tree) : ""; }

    function row(node, parent) {
      var li = el("li", "rule-row");
      var kind = node.group ? "group" : node.raw != null ? "raw" : node.count ? node.count : "field";
      function remove() {
        var b = el("button", "small secondary", d.remove);
        b.type = "button";
        b.addEventListener("click", function () { parent.parts.splice(parent.parts.indexOf(node), 1); render(); });
        return b;
      }
      if (kind === "group") {
        li.appendChild(group(node));
      } else if (kind === "raw") {
        var raw = input(node.raw, "", "rule-raw");
        raw.addEventListener("input", function () { node.raw = raw.value; write(); });
        li.appendChild(raw);
      } else {
        var what = select(pairs(FIELDS.concat(COUNTS)), kind === "field" ? (node.field.indexOf("attr.") === 0 ? "attr." : node.field) : kind, "field");
        what.addEventListener("change", function () {
          var v = what.value;
          Object.keys(node).forEach(function (k) { delete node[k]; });
          if (COUNTS.indexOf(v) >= 0) { node.count = v; node.arg = v === "events" ? "purchase" : "/*"; node.window = "30d"; node.op = ">="; node.n = 1; node.properties = ""; }
          else { node.field = v === "attr." ? "attr.key" : v; node.op = "="; node.value = ""; }
          render();
        });
        li.appendChild(what);
        if (kind === "field") {
          if (node.field.indexOf("attr.") === 0) {
            var key = input(node.field.slice(5), "key", "rule-key");
            key.addEventListener("input", function () { node.field = "attr." + key.value; write(); });
            li.appendChild(key);
          }
          var op = select(pairs(OPS), node.op, "operator");
          var value = input(node.value, "", "rule-value");
          op.addEventListener("change", function () { node.op = op.value; value.hidden = /set$/.test(op.value); write(); });
          value.addEventListener("input", function () { node.value = value.value; write(); });
          value.hidden = /set$/.test(node.op);
          li.appendChild(op); li.appendChild(value);
        } else {
          var arg = input(node.arg, node.count === "events" ? "event" : "/path*", "rule-arg");
          var win = input(node.window, "30d", "rule-window");
          var props = input(node.properties, "total > 10000", "rule-props");
          var cmp = select(pairs(CMPS), node.op, "comparison");
          var n = input(node.n, "1", "rule-n");
          arg.addEventListener("input", function () { node.arg = arg.value; write(); });
          win.addEventListener("input", function () { node.window = win.value.trim(); write(); });
          props.addEventListener("input", function () { node.properties = props.value.trim(); write(); });
          cmp.addEventListener("change", function () { node.op = cmp.value; write(); });
          n.addEventListener("input", function () { node.n = n.value.trim(); write(); });
          li.appendChild(arg); li.appendChild(win);
          if (node.count === "events") li.appendChild(props);
          li.appendChild(cmp); li.appendChild(n);
        }
      }
      if (parent) li.appendChild(remove());
      return li;
    }
    function group(node) {
      var box = el("div", "rule-group");
      var kind = select([["all", d.all], ["any", d.any], ["none", "NOT " + d.any]], node.group, "group");
      kind.addEventListener("change", function () { node.group = kind.value; write(); });
      box.appendChild(kind);
      var ul = el("ul", "rule-rows");
      node.parts.forEach(function (p) { ul.appendChild(row(p, node)); });
      box.appendChild(ul);
      var add = el("button", "small", d.add);
      add.type = "button";
      add.addEventListener("click", function () { node.parts.push({ field: "visits", op: ">=", value: "1" }); render(); });
      var sub = el("button", "small secondary", d.group);
      sub.type = "button";
      sub.addEventListener("click", function () { node.parts.push({ group: "any", parts: [] }); render(); });
      box.appendChild(add); box.appendChild(sub);
      return box;
    }
    function render() {
      var legend = root.querySelector("legend");
      root.textContent = "";
      if (legend) root.appendChild(legend);
      root.appendChild(group(tree));
      write();
    }
    render();
  }

  // Customer import: a chosen CSV file is read into the form's text field (pasting works without this).
  var importFile = document.getElementById("import-file");
  if (importFile) importFile.addEventListener("change", function () {
    var f = importFile.files[0];
    if (f) f.text().then(function (text) { document.getElementById("import-csv").value = text; });
  });

  // My account → Notifications: subscribe this browser with the server's VAPID key (RFC 8292) and send the
  // subscription to the server, which encrypts each push for it (RFC 8291).
  function pushDevices(page) {
    var button = document.getElementById("push-enable"), state = document.getElementById("push-state");
    if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
      state.textContent = page.dataset.unsupported;
      return;
    }
    button.hidden = false;
    function key(b64) {
      var s = atob(b64.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((b64.length + 3) % 4));
      var out = new Uint8Array(s.length);
      for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
      return out;
    }
    function b64(buffer) {
      var bytes = new Uint8Array(buffer), s = "";
      for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
      return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    }
    button.addEventListener("click", function () {
      Notification.requestPermission().then(function (permission) {
        if (permission !== "granted") { state.textContent = page.dataset.denied; return null; }
        return navigator.serviceWorker.register("/sw.js").then(function () { return navigator.serviceWorker.ready; })
          .then(function (registration) {
            return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key(page.dataset.key) });
          })
          .then(function (subscription) {
            var body = new URLSearchParams();
            body.set("csrf", document.querySelector("#push-hours input[name=csrf]").value);
            body.set("endpoint", subscription.endpoint);
            body.set("p256dh", b64(subscription.getKey("p256dh")));
            body.set("auth", b64(subscription.getKey("auth")));
            return fetch("/account/push", { method: "POST", body: body, credentials: "same-origin" });
          })
          .then(function (response) {
            if (response && response.ok) { state.textContent = page.dataset.on; location.reload(); }
            else if (response) response.text().then(function (t) { state.textContent = t; });
          });
      }).catch(function (e) { state.textContent = String(e); });
    });
  }
})();
