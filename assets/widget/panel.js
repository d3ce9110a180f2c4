/*! Sodan chat widget, the chat itself: messages, the FAQ bot, attachments, rating, the e-mail ask and the
 * proactive message. Fetched by the loader (widget.js) from a content-hashed URL the first time it is needed,
 * and handed the loader's state, shadow root and socket.
 */
(function () {
  "use strict";
  var W = window.SodanWidget;
  if (!W || !W._panel) return;
  W._panel(function (core) {
    var state = core.state, root = core.root, lang = core.lang, site = core.site, base = core.base,
        send = core.send, save = core.save, watch = core.watch, textOf = core.textOf, launcher = core.launcher;
    var TEXT = {
      en: {
        open: "Chat with us", close: "Close chat", placeholder: "Write a message…", send: "Send",
        sending: "Sending…", sent: "Sent", attach: "Attach an image or PDF", read: "Read", typing: " is typing…", team: "Team",
        offline: "Reconnecting…", newReply: "New reply", you: "You",
        empty: "The message is empty.", too_long: "The message is too long (5,000 characters at most).",
        unavailable: "The message could not be saved yet. It will be sent again.",
        refused: "The chat is not available on this site.",
        readMore: "Read more", dismiss: "Close", automatic: "Automatic reply", bot: "FAQ bot", aiWriting: "Automatic answer (AI)", helpCenter: "Open in the help center",
        online: "We're online", later: "We reply as soon as we can",
        mailAsk: "Get the reply by e-mail:", mailSave: "Save", mailSaved: "We'll e-mail replies to ",
        invalid_email: "That is not an e-mail address.",
        bot_off: "The assistant is not answering now.", bad_choice: "That choice is no longer available.",
        rateAsk: "How did we do?", rateComment: "Anything to add? (optional)", rateSend: "Send rating", rated: "Thank you for your rating!"
      },
      ja: {
        open: "チャットで相談", close: "チャットを閉じる", placeholder: "メッセージを入力…", send: "送信",
        sending: "送信中…", sent: "送信済み", attach: "画像またはPDFを添付", read: "既読", typing: "が入力中…", team: "スタッフ",
        offline: "再接続しています…", newReply: "新しい返信", you: "あなた",
        empty: "メッセージが空です。", too_long: "メッセージが長すぎます（5,000文字まで）。",
        unavailable: "メッセージをまだ保存できませんでした。再送します。",
        refused: "このサイトではチャットを利用できません。",
        readMore: "詳しく見る", dismiss: "閉じる", automatic: "自動応答", bot: "FAQボット", aiWriting: "AIによる自動回答", helpCenter: "ヘルプセンターで見る",
        online: "スタッフ対応中", later: "順次お返事します",
        mailAsk: "返信をメールで受け取る:", mailSave: "保存", mailSaved: "返信をメールでお知らせします: ",
        invalid_email: "メールアドレスの形式が正しくありません。",
        bot_off: "現在、自動案内はご利用いただけません。", bad_choice: "その選択肢は現在ご利用いただけません。",
        rateAsk: "対応はいかがでしたか？", rateComment: "ご意見があればどうぞ（任意）", rateSend: "評価を送信", rated: "評価ありがとうございました！"
      }
    }[lang];

    state.messages = [];   // {id, seq, author, body, created_at, attachment}
    state.seen = {};       // message id -> true
    state.range = null;    // {conv, lo, hi}: every seq from lo to hi is held (notes are never sent)
    state.fill = null;     // {lo, after, until}: a hole being fetched with resume after a reconnect
    state.more = false;    // older messages exist before range.lo
    state.loadingOlder = false;
    state.readSeq = 0;     // the team read the visitor's messages up to here
    state.typingSent = 0;

    // ----- DOM: after the loader's launcher, in the same shadow root -----
    var parts = document.createElement("template");
    parts.innerHTML =
      "<style>" +
      ".panel{position:fixed;right:20px;bottom:84px;z-index:2147483000;width:360px;height:520px;max-height:calc(100vh - 100px);" +
      "display:none;flex-direction:column;background:#fff;color:#1f2328;border-radius:14px;overflow:hidden;box-shadow:0 8px 30px rgba(0,0,0,.3)}" +
      ".panel.on{display:flex}" +
      ".head{background:var(--c);color:var(--t);padding:14px 16px;display:flex;gap:8px;align-items:flex-start}" +
      ".head p{margin:0;flex:1;font-size:14px;line-height:1.4}" +
      ".presence{display:block;font-size:12px;margin-top:2px}.presence.on::before{content:'● ';color:#7ee787}" +
      ".x{background:none;border:0;color:var(--t);font-size:20px;cursor:pointer;line-height:1}" +
      ".log{flex:1;overflow-y:auto;padding:12px;margin:0;list-style:none;background:#f6f7f9}" +
      ".m{margin:6px 0;display:flex;flex-direction:column;align-items:flex-start}" +
      ".m.me{align-items:flex-end}" +
      ".b{max-width:80%;padding:8px 12px;border-radius:14px;background:#fff;border:1px solid #d8dde3;white-space:pre-wrap;word-wrap:break-word;font-size:14px;line-height:1.4}" +
      ".me .b{background:var(--c);color:var(--t);border-color:transparent}" +
      ".who{font-size:11px;color:#656d76;margin:0 4px 2px}" +
      ".who i{display:inline-block;width:18px;height:18px;border-radius:9px;background:#656d76;color:#fff;font-style:normal;text-align:center;line-height:18px;margin-right:4px}" +
      ".st{font-size:11px;color:#656d76;margin:2px 4px 0}" +
      ".typing,.note{min-height:18px;padding:0 12px;font-size:12px;color:#656d76;background:#f6f7f9}" +
      ".note{color:#cf222e}" +
      "form{display:flex;gap:8px;padding:10px;border-top:1px solid #d8dde3;margin:0}" +
      "textarea{flex:1;resize:none;height:44px;padding:8px;border:1px solid #d8dde3;border-radius:8px;font-size:14px}" +
      ".send{border:0;border-radius:8px;background:var(--c);color:var(--t);padding:0 14px;cursor:pointer}" +
      ".clip{border:0;background:none;font-size:18px;cursor:pointer;padding:0 2px}" +
      ".att{display:block;max-width:80%;margin-top:4px}.att img{max-width:100%;border-radius:8px;display:block}" +
      ".tip{position:fixed;right:20px;bottom:84px;z-index:2147483000;width:300px;max-width:calc(100vw - 40px);background:#fff;color:#1f2328;" +
      "border-radius:14px;padding:12px 36px 12px 14px;box-shadow:0 6px 24px rgba(0,0,0,.25);font-size:14px;line-height:1.45;cursor:pointer}" +
      ".tip[hidden]{display:none}.tip .tx{margin:0;white-space:pre-wrap;word-wrap:break-word}" +
      ".tip .more{display:inline-block;margin-top:6px;color:var(--ct);font-weight:600}.tip .more[hidden]{display:none}" +
      ".tip .close{position:absolute;top:6px;right:8px;background:none;border:0;font-size:18px;cursor:pointer;color:#656d76;line-height:1}" +
      // The rating form stacks (question, stars, comment, button), unlike the compose row.
      ".rate{display:block;padding:8px 12px;border-top:1px solid #d8dde3;background:#fff;font-size:13px}.rate[hidden]{display:none}.rate p{margin:0 0 4px}" +
      ".stars{display:flex;flex-wrap:nowrap;gap:2px}.stars button{flex:none;border:0;background:none;font-size:24px;line-height:1;cursor:pointer;color:#c4c9cf;padding:2px 3px}.stars button.on{color:#e3a008}" +
      ".rate .rc{display:block;flex:none;width:100%;height:auto;min-height:52px;margin:6px 0;font:inherit;font-size:14px}" +
      ".rate .rs{display:block;margin-left:auto;white-space:nowrap;border:0;border-radius:6px;background:var(--c);color:var(--t);padding:7px 14px;font-size:14px;cursor:pointer}" +
      ".bot{padding:8px 12px;background:#f6f7f9;border-top:1px solid #d8dde3;max-height:50%;overflow-y:auto;font-size:14px}" +
      ".bot[hidden]{display:none}.bot .bt{margin:0 0 6px}.bot .bt:empty{display:none}.bot small.ai{display:block;color:#656d76;font-size:11px;margin-bottom:2px}.bot small.ai[hidden]{display:none}" +
      ".article{background:#fff;border:1px solid #d8dde3;border-radius:10px;padding:8px 12px;margin-bottom:6px;line-height:1.45}" +
      ".article:empty{display:none}.article h4{margin:0 0 4px;font-size:15px}.article p{margin:4px 0}" +
      ".choices{display:flex;flex-wrap:wrap;gap:6px}.choices button{border:1px solid var(--c);color:var(--ct);background:#fff;" +
      "border-radius:14px;padding:5px 10px;font-size:13px;cursor:pointer}.choices button:disabled{opacity:.5}" +
      ".mail{display:flex;gap:6px;align-items:center;padding:6px 10px;border-top:1px solid #d8dde3;font-size:13px;background:#fff}" +
      ".mail[hidden]{display:none}.mail .em{flex:1;min-width:0;padding:5px 8px;border:1px solid #d8dde3;border-radius:6px;font-size:13px}" +
      ".mail .ms{border:0;border-radius:6px;background:var(--c);color:var(--t);padding:5px 10px;cursor:pointer}" +
      ".mailok{padding:4px 12px;font-size:12px;color:#656d76;background:#f6f7f9}.mailok:empty{display:none}" +
      ".envelope{border:0;background:none;font-size:16px;cursor:pointer;padding:0 2px;color:#656d76}" +
      "@media (max-width:480px){.panel{right:0;bottom:0;width:100vw;height:100vh;max-height:none;border-radius:0}}" +
      "</style>" +
      "<div class='tip' role='status' hidden><button class='close' type='button'>×</button><div class='who'></div><p class='tx'></p><a class='more' hidden></a></div>" +
      "<div class='panel' role='dialog' aria-modal='false'>" +
      "<div class='head'><p><span class='greet'></span><small class='presence'></small></p><button class='x' type='button'>×</button></div>" +
      "<ul class='log' aria-live='polite' tabindex='0'></ul><div class='typing'></div><div class='note' role='alert'></div>" +
      "<div class='bot' hidden><small class='ai' hidden></small><p class='bt'></p><div class='article'></div><div class='choices'></div></div>" +
      "<form class='compose'><button class='envelope' type='button'>✉</button><button class='clip' type='button'><svg width='18' height='18' viewBox='0 0 24 24' fill='none' stroke='#656d76' stroke-width='2'><path d='M21 12l-8.5 8.5a5 5 0 01-7-7L14 5a3.5 3.5 0 015 5l-8.5 8.5a2 2 0 01-3-3L15 8'/></svg></button><input class='file' type='file' hidden accept='image/png,image/jpeg,image/gif,image/webp,application/pdf'>" +
      "<textarea rows='2'></textarea><button class='send' type='submit'></button></form>" +
      "<form class='mail' hidden novalidate><label class='ml'></label><input class='em' type='email' autocomplete='email'><button class='ms' type='submit'></button></form>" +
      "<div class='mailok' role='status'></div>" +
      "<form class='rate' hidden><p class='ra'></p><div class='stars'></div><textarea class='rc' rows='2' maxlength='1000'></textarea><button class='rs' type='submit'></button></form></div>";
    root.appendChild(parts.content);
    var $ = function (sel) { return root.querySelector(sel); };
    var panel = $(".panel"), log = $(".log"), input = $("textarea"),
        typingLine = $(".typing"), note = $(".note"), greet = $(".greet");
    $(".x").setAttribute("aria-label", TEXT.close);
    $(".send").textContent = TEXT.send;
    input.setAttribute("placeholder", TEXT.placeholder);
    input.setAttribute("aria-label", TEXT.placeholder);
    panel.setAttribute("aria-label", TEXT.open);
    // The history scrolls: reachable by keyboard too (WCAG 2.1.1), named for screen readers.
    $(".log").setAttribute("aria-label", TEXT.open);

    function el(tag, cls, text) {
      var e = document.createElement(tag);
      if (cls) e.className = cls;
      if (text != null) e.textContent = text; // always text, never HTML
      return e;
    }

    // ----- rendering -----
    // The first character as people see it (a grapheme): 𠮷 or 👩‍💻 is one, though JavaScript counts two or more
    // code units; charAt(0) would show half of a surrogate pair.
    function initial(name) {
      try {
        if (window.Intl && Intl.Segmenter) {
          var first = new Intl.Segmenter().segment(name)[Symbol.iterator]().next();
          if (!first.done) return first.value.segment.toUpperCase();
        }
      } catch (e) { /* fall back to code points */ }
      return (Array.from(name)[0] || "").toUpperCase();
    }
    function statusOf(m) {
      if (m.pending) return TEXT.sending;
      if (m.author.kind !== "visitor") return "";
      return m.seq <= state.readSeq ? TEXT.read : TEXT.sent;
    }
    // anchor ({h, t}: the log's height and scroll before older messages were added) keeps the view still.
    function render(anchor) {
      var atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
      log.textContent = "";
      var all = state.messages.slice().sort(function (a, b) { return a.seq - b.seq; });
      // The proactive message the visitor took up opens the chat, so they see what they are answering.
      if (state.intro) all.unshift(state.intro);
      state.pending.forEach(function (p) {
        all.push({ pending: true, client_id: p.client_id, author: { kind: "visitor" }, body: p.body, seq: Infinity });
      });
      all.forEach(function (m) {
        var mine = m.author.kind === "visitor";
        var li = el("li", "m" + (mine ? " me" : ""));
        li.setAttribute("data-seq", m.seq);
        if (!mine) {
          var name = m.author.kind === "system" ? TEXT.automatic : m.author.kind === "bot" ? TEXT.bot : m.author.name || TEXT.team;
          var who = el("div", "who");
          who.appendChild(el("i", "", initial(name)));
          who.appendChild(document.createTextNode(name));
          li.appendChild(who);
        }
        li.appendChild(el("div", "b", m.body));
        if (m.attachment) li.appendChild(attachment(m.attachment));
        var st = statusOf(m);
        if (st) li.appendChild(el("div", "st", st));
        log.appendChild(li);
      });
      if (anchor) log.scrollTop = log.scrollHeight - anchor.h + anchor.t;
      else if (state.pin) settle();
      else if (atBottom || state.open) log.scrollTop = log.scrollHeight;
      core.showBadge();
    }

    // Files are fetched with the visitor's token (never put in a URL) and shown from a local blob.
    var blobs = {};
    function fetchFile(a) {
      if (!blobs[a.upload_id]) {
        blobs[a.upload_id] = fetch(base + "/widget/uploads/" + a.upload_id + "?site=" + encodeURIComponent(site), {
          headers: { Authorization: "Bearer " + state.token }
        }).then(function (r) { if (!r.ok) throw new Error(r.status); return r.blob(); })
          .then(function (b) { return URL.createObjectURL(b); });
      }
      return blobs[a.upload_id];
    }
    function attachment(a) {
      var box = el("span", "att");
      if (/^image\//.test(a.content_type)) {
        var img = el("img");
        img.alt = a.filename;
        // An image arriving after the view was placed must not push the first unread (or newest) reply out
        // of sight.
        img.addEventListener("load", settle);
        fetchFile(a).then(function (url) { img.src = url; }, function () { img.alt = a.filename + " (!)"; });
        box.appendChild(img);
      } else {
        var link = el("a", "", "📄 " + a.filename);
        link.href = "#";
        link.addEventListener("click", function (e) {
          e.preventDefault();
          fetchFile(a).then(function (url) {
            var d = document.createElement("a");
            d.href = url; d.download = a.filename; d.click();
          });
        });
        box.appendChild(link);
      }
      return box;
    }

    function upload(file) {
      note.textContent = TEXT.sending;
      fetch(base + "/widget/uploads?site=" + encodeURIComponent(site) + "&name=" + encodeURIComponent(file.name), {
        method: "POST", headers: { Authorization: "Bearer " + state.token }, body: file
      }).then(function (r) {
        if (r.ok) { note.textContent = ""; return; }
        return r.json().then(function (e) { note.textContent = e.message; });
      }, function () { note.textContent = TEXT.unavailable; });
    }

    function addMessage(m, fromResume) {
      if (state.seen[m.id]) return false;
      state.seen[m.id] = true;
      state.messages.push(m);
      state.known = true;
      state.conversation = m.conversation;
      if (m.author.kind !== "visitor" && !fromResume) {
        if (!state.open) {
          state.unread += 1;
          blink();
        } else {
          markRead();
        }
        beep();
      }
      return true;
    }

    // The contiguous range held grows with what arrives live on this socket (registered before the welcome
    // was read, so nothing after the welcome is missed).
    function held(conversation, seq) {
      var r = state.range;
      if (!r || r.conv !== conversation) {
        state.range = { conv: conversation, lo: seq, hi: seq };
        state.more = seq > 1;
      } else {
        r.hi = Math.max(r.hi, seq);
      }
    }
    // Scrolling up (or a log too short to scroll) asks for the page before the held range.
    function loadOlder() {
      if (!state.range || !state.more || state.loadingOlder || !state.connected) return;
      state.loadingOlder = true;
      send({ type: "history", conversation: state.range.conv, before_seq: state.range.lo });
    }
    function fillView() {
      if (state.open && log.scrollHeight <= log.clientHeight + 40) loadOlder();
    }
    log.addEventListener("scroll", function () { if (log.scrollTop < 40) loadOlder(); });

    var lastSeq = function () {
      return state.messages.reduce(function (max, m) { return Math.max(max, m.seq); }, 0);
    };

    // ----- notifications of a new reply -----
    var blinkTimer = null, originalTitle = document.title;
    function blink() {
      if (blinkTimer || !document.hidden) return;
      var on = false;
      blinkTimer = setInterval(function () {
        document.title = (on = !on) ? TEXT.newReply : originalTitle;
        if (!document.hidden) { clearInterval(blinkTimer); blinkTimer = null; document.title = originalTitle; }
      }, 1000);
    }
    function beep() {
      try {
        var Ctx = window.AudioContext || window.webkitAudioContext;
        if (!Ctx) return;
        var ctx = beep.ctx || (beep.ctx = new Ctx());
        var o = ctx.createOscillator(), g = ctx.createGain();
        o.frequency.value = 880; g.gain.value = 0.05;
        o.connect(g); g.connect(ctx.destination); o.start(); o.stop(ctx.currentTime + 0.12);
      } catch (e) { /* sound is optional */ }
    }
    function handle(f) {
      switch (f.type) {
        case "welcome": {
          state.email = f.email || "";
          mailOk.textContent = state.email ? TEXT.mailSaved + state.email : "";
          applySite(f.site);
          var c = f.conversations[f.conversations.length - 1];
          // After identify joined this visitor to a customer's history, show that history instead.
          if (c && state.conversation && c.id !== state.conversation) { state.messages = []; state.seen = {}; }
          // A resolved conversation without a rating asks for one.
          askRating(c && c.status === "resolved" && c.rating == null ? c.id : null);
          if (c) {
            state.conversation = c.id;
            state.readSeq = c.read_by_operator_seq;
            c.messages.forEach(function (m) { addMessage(m, true); });
            // Replies read on another page or visit stay read; the rest show on the launcher until opened.
            state.myRead = Math.max(state.myRead || 0, c.read_by_visitor_seq);
            if (state.open) markRead(); else state.unread = c.unread;
            var old = state.range, w = { conv: c.id, lo: c.from_seq, hi: c.through_seq };
            state.fill = null;
            if (old && old.conv === c.id && old.hi + 1 < w.lo) {
              // More arrived while offline than a welcome carries: fetch the hole after what is held.
              state.fill = { lo: old.lo, after: old.hi, until: w.lo };
              send({ type: "resume", conversation: c.id, after_seq: old.hi });
            } else if (old && old.conv === c.id) {
              w.lo = Math.min(w.lo, old.lo);
              w.hi = Math.max(w.hi, old.hi);
            }
            state.range = w;
            state.more = w.lo > 1;
          }
          // Messages typed while offline (or before a reload), after the loader sent the customer context:
          // the server stores each message once.
          state.pending.forEach(function (p) { send({ type: "message", client_id: p.client_id, body: p.body }); });
          render();
          fillView();
          break;
        }
        case "ack": {
          var body = ackBodies[f.client_id] || "";
          state.pending = state.pending.filter(function (p) {
            if (p.client_id === f.client_id) body = p.body;
            return p.client_id !== f.client_id;
          });
          save("outbox", state.pending);
          state.conversation = f.conversation;
          held(f.conversation, f.seq);
          var sent = state.messages.some(function (m) { return m.id === f.id; });
          if (!sent) {
            addMessage({ id: f.id, seq: f.seq, conversation: f.conversation, author: { kind: "visitor" }, body: body }, true);
          }
          render();
          break;
        }
        case "message":
          held(f.message.conversation, f.message.seq);
          if (addMessage(f.message, false)) render();
          // After an automatic reply, ask where to send the real one.
          if (f.message.author.kind === "system") askEmail(true);
          // A person answers from here: the bot's buttons are done.
          if (f.message.author.kind === "operator") showBot(null);
          break;
        case "bot":
          showBot(f);
          break;
        case "bot_delta":
          // The model's answer as it is written; the stored message and the buttons follow.
          if (!botBox.streaming) {
            showBot(null);
            botBox.streaming = true;
            botAi.textContent = TEXT.aiWriting;
            botAi.hidden = false;
          }
          botText.textContent += f.text;
          botBox.hidden = false;
          break;
        case "resolved":
          askRating(f.conversation);
          break;
        case "rated":
          rateForm.hidden = true;
          mailOk.textContent = TEXT.rated;
          break;
        case "identified":
          // The shop passed the customer's address: replies can reach them without asking.
          if (f.email) {
            state.email = f.email;
            mailForm.hidden = true;
          }
          break;
        case "email_saved":
          state.email = f.email;
          mailForm.hidden = true;
          mailOk.textContent = TEXT.mailSaved + f.email;
          break;
        case "messages": {
          // The answer to a resume: through_seq says how far it read, even when it carried nothing visible.
          f.messages.forEach(function (m) { addMessage(m, true); });
          var fl = state.fill;
          if (fl && state.range && state.range.conv === f.conversation) {
            fl.after = Math.max(fl.after, f.through_seq);
            if (fl.after + 1 >= fl.until || !f.more) {
              if (fl.after + 1 >= fl.until) state.range.lo = Math.min(state.range.lo, fl.lo);
              state.more = state.range.lo > 1;
              state.fill = null;
            } else {
              send({ type: "resume", conversation: f.conversation, after_seq: fl.after });
            }
          }
          render();
          break;
        }
        case "history": {
          state.loadingOlder = false;
          if (!state.range || state.range.conv !== f.conversation) break;
          var anchor = { h: log.scrollHeight, t: log.scrollTop };
          f.messages.forEach(function (m) { addMessage(m, true); });
          state.range.lo = Math.min(state.range.lo, f.from_seq);
          state.more = f.more;
          render(anchor);
          fillView();
          break;
        }
        case "typing":
          typingLine.textContent = f.name + TEXT.typing;
          clearTimeout(handle.typingTimer);
          handle.typingTimer = setTimeout(function () { typingLine.textContent = ""; }, 3000);
          break;
        case "read":
          state.readSeq = Math.max(state.readSeq, f.up_to_seq);
          render();
          break;
        case "error":
          // Over a budget, or the server could not store: what the visitor typed is kept and sent again later.
          if (f.code === "rate_limited" || f.code === "unavailable") {
            clearTimeout(handle.resendTimer);
            if (state.pending.length) {
              handle.resendTimer = setTimeout(function () {
                state.pending.forEach(function (p) { send({ type: "message", client_id: p.client_id, body: p.body }); });
              }, f.retry_after_ms || 5000);
            }
            if (f.code === "rate_limited") break;
          }
          // Mistakes in the shop's calls to the JavaScript API are for its developer, not the visitor.
          if (/^(identity_refused|invalid_identity|invalid_customer_data)$/.test(f.code)) console.error("Sodan: " + f.message);
          else note.textContent = TEXT[f.code] || f.message;
          break;
      }
    }

    var ackBodies = {};
    function applySite(s) {
      var away = s.away ? (lang === "ja" ? s.greeting_away_ja || s.greeting_away_en : s.greeting_away_en || s.greeting_away_ja) : "";
      greet.textContent = away || (lang === "ja" ? s.greeting_ja : s.greeting_en);
      var presence = $(".presence");
      presence.textContent = s.online ? TEXT.online : TEXT.later;
      presence.className = "presence" + (s.online ? " on" : "");
    }
    // ----- actions -----
    function randomId() {
      var a = new Uint8Array(12);
      (window.crypto || window.msCrypto).getRandomValues(a);
      return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    }
    function submit() {
      var body = input.value.trim();
      if (!body) { note.textContent = TEXT.empty; return; }
      if (body.length > 5000) { note.textContent = TEXT.too_long; return; }
      note.textContent = "";
      var p = { client_id: randomId(), body: body };
      ackBodies[p.client_id] = body;
      state.pending.push(p);
      save("outbox", state.pending);
      input.value = "";
      wroteMessage();
      askEmail(false);
      send({ type: "message", client_id: p.client_id, body: body });
      state.pin = null;
      render();
    }
    function markRead() {
      var seq = lastSeq();
      state.myRead = Math.max(state.myRead || 0, seq);
      if (state.conversation && seq) send({ type: "read", conversation: state.conversation, up_to_seq: seq });
    }
    // The first reply the visitor has not read yet (what opening the panel shows first), or null.
    function firstUnread() {
      var first = null;
      state.messages.forEach(function (m) {
        if (m.author.kind !== "visitor" && m.seq > (state.myRead || 0) && (first === null || m.seq < first)) first = m.seq;
      });
      return first;
    }
    // Places the view: the first unread reply at the top while it is pinned, else the newest at the bottom
    // when the view was there.
    function settle() {
      var li = state.pin && log.querySelector("li[data-seq='" + state.pin + "']");
      if (li) log.scrollTop = li.getBoundingClientRect().top - log.getBoundingClientRect().top + log.scrollTop - 8;
      else if (state.stuck) log.scrollTop = log.scrollHeight;
    }
    // The visitor scrolling themselves ends the pin.
    ["wheel", "touchstart", "keydown"].forEach(function (name) {
      log.addEventListener(name, function () { state.pin = null; }, { passive: true });
    });
    log.addEventListener("scroll", function () {
      state.stuck = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    });
    function setOpen(open) {
      state.open = open;
      panel.className = "panel" + (open ? " on" : "");
      launcher.setAttribute("aria-expanded", String(open));
      if (open) {
        if (!tip.hidden) hideTip();
        state.unread = 0;
        state.pin = firstUnread();
        markRead();
        render();
        fillView();
        input.focus();
      } else {
        state.pin = null;
        closedPanel();
        launcher.focus();
      }
    }
    var fileInput = $(".file"), clip = $(".clip");
    clip.setAttribute("aria-label", TEXT.attach);
    clip.title = TEXT.attach;
    clip.addEventListener("click", function () { fileInput.click(); });
    fileInput.addEventListener("change", function () {
      if (fileInput.files[0] && state.token) upload(fileInput.files[0]);
      fileInput.value = "";
    });
    $(".x").addEventListener("click", function () { setOpen(false); });
    panel.addEventListener("keydown", function (e) { if (e.key === "Escape") setOpen(false); });
    $("form.compose").addEventListener("submit", function (e) { e.preventDefault(); submit(); });
    // The Enter that confirms a Japanese (IME) conversion must not send: Chrome marks it isComposing, Safari
    // ends the composition first and sends keyCode 229 with isComposing false.
    var composedAt = 0;
    input.addEventListener("compositionend", function () { composedAt = Date.now(); });
    input.addEventListener("keydown", function (e) {
      var confirming = e.isComposing || e.keyCode === 229 || Date.now() - composedAt < 50;
      if (e.key === "Enter" && !e.shiftKey && !confirming) { e.preventDefault(); submit(); }
    });
    input.addEventListener("input", function () {
      var now = Date.now();
      if (now - state.typingSent > 1500) {
        state.typingSent = now;
        send({ type: "typing", conversation: state.conversation });
      }
    });

    // ----- the visitor's e-mail address, for replies that come after they left -----
    var mailForm = $(".mail"), mailInput = mailForm.querySelector(".em"), mailOk = $(".mailok");
    mailForm.querySelector(".ml").textContent = TEXT.mailAsk;
    mailForm.querySelector(".ms").textContent = TEXT.mailSave;
    mailInput.setAttribute("aria-label", TEXT.mailAsk);
    var envelope = $(".envelope");
    envelope.setAttribute("aria-label", TEXT.mailAsk);
    envelope.title = TEXT.mailAsk;
    // Asked when nobody is online to answer now, or after an automatic reply; any time with the envelope.
    function askEmail(afterAutoReply) {
      if (state.email || !mailForm.hidden) return;
      if (afterAutoReply || (state.site && !state.site.online)) {
        // The form takes room from the log: keep the reply that prompted it in view.
        var bottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
        mailForm.hidden = false;
        if (bottom) log.scrollTop = log.scrollHeight;
      }
    }
    envelope.addEventListener("click", function () { mailForm.hidden = !mailForm.hidden; if (!mailForm.hidden) mailInput.focus(); });
    mailForm.addEventListener("submit", function (e) {
      e.preventDefault();
      var address = mailInput.value.trim();
      if (!address) { note.textContent = TEXT.invalid_email; return; }
      note.textContent = "";
      send({ type: "email", address: address });
    });

    // ----- the rating of a resolved conversation: 1 to 5 stars and an optional comment -----
    var rateForm = $(".rate"), rateStars = rateForm.querySelector(".stars"), rateComment = rateForm.querySelector(".rc"), rating = 0;
    rateForm.querySelector(".ra").textContent = TEXT.rateAsk;
    rateForm.querySelector(".rs").textContent = TEXT.rateSend;
    rateComment.placeholder = TEXT.rateComment;
    [1, 2, 3, 4, 5].forEach(function (n) {
      var b = el("button", "", "★");
      b.type = "button";
      b.setAttribute("aria-label", n + " / 5");
      b.addEventListener("click", function () {
        rating = n;
        [].forEach.call(rateStars.children, function (s, i) { s.className = i < n ? "on" : ""; });
      });
      rateStars.appendChild(b);
    });
    function askRating(conversation) {
      rateForm.hidden = !conversation;
      rateForm.conversation = conversation;
    }
    rateForm.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!rating) { note.textContent = TEXT.rateAsk; return; }
      note.textContent = "";
      send({ type: "rate", conversation: rateForm.conversation, rating: rating, comment: rateComment.value });
    });

    // ----- the FAQ bot: its line of text, an article, and buttons -----
    var botBox = $(".bot"), botText = botBox.querySelector(".bt"), botArticle = botBox.querySelector(".article"),
        botChoices = botBox.querySelector(".choices");
    var botAi = botBox.querySelector(".ai");
    function showBot(f) {
      botBox.streaming = false;
      botAi.hidden = true;
      var text = f ? (lang === "ja" ? f.text_ja || f.text_en : f.text_en || f.text_ja) : "";
      botText.textContent = text;
      botArticle.textContent = "";
      if (f && f.article) {
        botArticle.appendChild(el("h4", "", f.article.title));
        var body = el("div", "md");
        body.innerHTML = f.article.html; // made safe by the server: raw HTML is text, unsafe links are gone
        botArticle.appendChild(body);
        if (f.article.url) {
          var page = el("a", "page", TEXT.helpCenter);
          page.href = f.article.url;
          page.target = "_blank";
          page.rel = "noopener";
          botArticle.appendChild(page);
        }
      }
      botChoices.textContent = "";
      (f ? f.choices : []).forEach(function (c) {
        var b = el("button", "", lang === "ja" ? c.label_ja || c.label_en : c.label_en || c.label_ja);
        b.type = "button";
        b.dataset.choice = c.id;
        b.addEventListener("click", function () {
          Array.prototype.forEach.call(botChoices.querySelectorAll("button"), function (x) { x.disabled = true; });
          send({ type: "bot", choice: c.id });
        });
        botChoices.appendChild(b);
      });
      botBox.hidden = !(text || (f && (f.article || f.choices.length)));
    }

    // ----- proactive messages: the server sends those that apply to this visitor on this page; the page
    // conditions (idle, time on page, scroll depth, exit intent) are watched here -----
    var tip = $(".tip"), tipWho = tip.querySelector(".who"), tipText = tip.querySelector(".tx"),
        tipMore = tip.querySelector(".more"), tipClose = tip.querySelector(".close");
    tipClose.setAttribute("aria-label", TEXT.dismiss);
    tipMore.textContent = TEXT.readMore;
    function react(t, reaction) {
      send({ type: "trigger", id: t.id, reaction: reaction });
    }
    // The loader chose `t` (and holds it in watch.active) when its conditions held on this page.
    function fire(t) {
      watch.answered = false;
      react(t, "shown");
      if (t.kind === "question") {
        setOpen(true);
        input.value = textOf(t);
        return;
      }
      tipWho.textContent = "";
      if (t.kind === "bubble") {
        var name = t.from || TEXT.team;
        tipWho.appendChild(el("i", "", initial(name)));
        tipWho.appendChild(document.createTextNode(name));
      }
      tipText.textContent = textOf(t);
      tipMore.hidden = t.kind !== "answer";
      tipMore.href = t.kind === "answer" ? t.link : "#";
      tip.hidden = false;
    }
    function hideTip() {
      tip.hidden = true;
      if (watch.active && watch.active.kind !== "question") watch.active = null;
    }
    function takeUp() {
      var t = watch.active;
      if (!t || watch.answered) return;
      watch.answered = true;
      react(t, "clicked");
      if (t.kind === "bubble") {
        state.intro = { id: "trigger-" + t.id, seq: 0, author: { kind: "operator", name: t.from || TEXT.team }, body: textOf(t) };
        hideTip();
        setOpen(true);
      }
    }
    tip.addEventListener("click", function (e) {
      if (e.target === tipClose || !watch.active) return;
      if (watch.active.kind === "answer") {
        if (e.target !== tipMore) return;
        // Count the click before the page goes.
        e.preventDefault();
        var link = tipMore.href;
        takeUp();
        setTimeout(function () { location.href = link; }, 150);
        return;
      }
      takeUp();
    });
    tipClose.addEventListener("click", function () {
      var t = watch.active;
      if (!t) return;
      watch.answered = true;
      react(t, "dismissed");
      watch.list = watch.list.filter(function (x) { return x.id !== t.id; });
      hideTip();
    });
    // After the visitor wrote: a question they were given counts as taken up; quiet ones stop.
    function wroteMessage() {
      watch.wrote = true;
      var t = watch.active;
      if (t && t.kind === "question" && !watch.answered) takeUp();
      if (t && t.kind === "question") watch.active = null;
      if (t && t.quiet_in_conversation && t.kind !== "question") hideTip();
    }
    function closedPanel() {
      var t = watch.active;
      if (t && t.kind === "question") {
        if (!watch.answered) { watch.answered = true; react(t, "dismissed"); }
        watch.active = null;
      }
    }

    // What the loader calls: every frame it does not keep to itself, opening and closing, the proactive
    // message it chose, a page change, the connection, and a logout.
    return {
      handle: handle,
      setOpen: setOpen,
      fire: fire,
      hideTip: hideTip,
      connection: function (up) { note.textContent = up ? "" : TEXT.offline; },
      reset: function () {
        state.messages = []; state.seen = {}; state.conversation = null; state.range = null;
        render();
      }
    };
  });
})();
