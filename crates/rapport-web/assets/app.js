// rapport dashboard: keeps the numbers and the mention list live.
//
// Plain JavaScript, no build step, loaded with `defer` from the page (the CSP forbids
// inline scripts). Everything shown comes from the JSON API and is put into the page with
// `textContent` and element properties, never parsed as HTML: post text is hostile.
(function () {
  "use strict";

  var INTERVAL_MS = 2000;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function getJson(url) {
    return fetch(url, {
      headers: { Accept: "application/json" },
      cache: "no-store",
      credentials: "same-origin",
    }).then(function (response) {
      if (!response.ok) throw new Error(url + ": HTTP " + response.status);
      return response.json();
    });
  }

  // 12345 -> "12,345", like the server.
  function groupDigits(n) {
    var digits = String(Math.max(0, Math.floor(Number(n) || 0)));
    var out = "";
    for (var i = 0; i < digits.length; i++) {
      if (i > 0 && (digits.length - i) % 3 === 0) out += ",";
      out += digits.charAt(i);
    }
    return out;
  }

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  // Same wording as the server's relative_time.
  function relativeTime(nowMs, iso) {
    var then = Date.parse(iso);
    if (isNaN(then)) return "";
    var s = Math.floor((nowMs - then) / 1000);
    if (s < 5) return "just now";
    if (s < 60) return s + " s ago";
    if (s < 3600) return Math.floor(s / 60) + " min ago";
    if (s < 86400) return Math.floor(s / 3600) + " h ago";
    if (s < 604800) return Math.floor(s / 86400) + " d ago";
    var d = new Date(then);
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate());
  }

  function absoluteTime(iso) {
    var d = new Date(Date.parse(iso));
    if (isNaN(d.getTime())) return "";
    return (
      d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + " " +
      pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds()) + " UTC"
    );
  }

  // Only absolute http(s) URLs become links, like the server's safe_link.
  function safeLink(url) {
    if (typeof url !== "string" || !/^https?:\/\/\S+$/i.test(url)) return null;
    if (/[\u0000-\u001f\u007f-\u009f]/.test(url)) return null;
    try {
      var parsed = new URL(url);
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return null;
    } catch (e) {
      return null;
    }
    return url;
  }

  function excerpt(text, max) {
    var chars = Array.from(String(text || ""));
    if (chars.length <= max) return chars.join("");
    return chars.slice(0, max).join("").replace(/\s+$/, "") + "\u2026";
  }

  // Sets a number; when it changed, flashes it so movement is visible.
  function setNumber(node, value) {
    if (!node) return;
    var text = groupDigits(value);
    if (node.textContent === text) return;
    node.textContent = text;
    node.classList.remove("bump");
    void node.offsetWidth; // restart the animation
    node.classList.add("bump");
  }

  function initDashboard(root) {
    var workspace = root.getAttribute("data-workspace");
    var hours = parseInt(root.getAttribute("data-hours"), 10) || 24;
    var limit = parseInt(root.getAttribute("data-limit"), 10) || 30;
    var base = "/api/v1/workspaces/" + encodeURIComponent(workspace);
    var countsUrl = base + "/counts?hours=" + hours;
    var mentionsUrl = base + "/mentions?limit=" + limit;
    // The page's filters (already a query string, built by the server) stay on while live.
    var filter = root.getAttribute("data-filter");
    if (filter) mentionsUrl += "&" + filter;

    var live = document.getElementById("live");
    var liveLabel = document.getElementById("live-label");
    var updated = document.getElementById("updated");
    var cards = document.getElementById("monitors");
    var list = document.getElementById("mentions");
    var timer = null;
    var busy = false;

    function setState(state, label) {
      if (live) live.setAttribute("data-state", state);
      if (liveLabel) liveLabel.textContent = label;
    }

    function renderStats(stats) {
      setNumber(document.getElementById("posts"), stats.posts);
    }

    function monitorCard(count) {
      var card = el("article", "card");
      card.setAttribute("data-monitor", String(count.monitor_id));
      var head = el("div", "card-head");
      head.appendChild(el("h3", "card-title", count.name));
      var kind = String(count.kind || "").replace(/[^a-z]/g, "");
      head.appendChild(el("span", "kind kind-" + kind, kind));
      card.appendChild(head);
      var figures = el("div", "card-figures");
      [["recent", "last " + hours + " h"], ["total", "total"]].forEach(function (pair) {
        var figure = el("div", "figure");
        figure.appendChild(el("span", "figure-value " + pair[0], "0"));
        figure.appendChild(el("span", "figure-label", pair[1]));
        figures.appendChild(figure);
      });
      card.appendChild(figures);
      var query = el("code", "card-query", count.query);
      query.title = "Query";
      card.appendChild(query);
      return card;
    }

    function renderCounts(counts) {
      if (!cards || !Array.isArray(counts)) return;
      var existing = new Map();
      Array.prototype.forEach.call(cards.querySelectorAll("[data-monitor]"), function (card) {
        existing.set(card.getAttribute("data-monitor"), card);
      });
      var recentSum = 0;
      var totalSum = 0;
      counts.forEach(function (count) {
        recentSum += Number(count.recent) || 0;
        totalSum += Number(count.total) || 0;
        var key = String(count.monitor_id);
        var card = existing.get(key);
        if (!card) {
          card = monitorCard(count);
          cards.appendChild(card);
          existing.set(key, card);
          var placeholder = document.getElementById("no-monitors");
          if (placeholder) placeholder.remove();
        }
        setNumber(card.querySelector(".recent"), count.recent);
        setNumber(card.querySelector(".total"), count.total);
      });
      setNumber(document.getElementById("recent-sum"), recentSum);
      setNumber(document.getElementById("total-sum"), totalSum);
      setNumber(document.getElementById("monitor-count"), counts.length);
    }

    function mentionKey(m) {
      return String(m.monitor_id) + ":" + String(m.post_id);
    }

    function mentionItem(m, nowMs, fresh) {
      var item = el("li", fresh ? "mention fresh" : "mention");
      item.setAttribute("data-key", mentionKey(m));

      var meta = el("div", "mention-meta");
      var author = el("span", "author");
      if (m.author_name && String(m.author_name).trim() !== "") {
        author.appendChild(el("span", "author-name", m.author_name));
        author.appendChild(document.createTextNode(" "));
      }
      author.appendChild(el("span", "handle", "@" + (m.author_handle || "")));
      meta.appendChild(author);

      var network = String(m.network || "").replace(/[^a-z]/g, "");
      meta.appendChild(el("span", "net net-" + network, m.network_label || network));

      var time = el("time", null, relativeTime(nowMs, m.created_at));
      time.setAttribute("datetime", String(m.created_at));
      time.title = absoluteTime(m.created_at);
      meta.appendChild(time);

      meta.appendChild(el("span", "monitor-tag", m.monitor_name));

      var sentiment = String(m.sentiment || "").replace(/[^a-z]/g, "");
      if (sentiment) {
        var badge = el("span", "sentiment sentiment-" + sentiment, sentiment);
        if (typeof m.compound === "number") {
          badge.title = "VADER compound " + (m.compound >= 0 ? "+" : "") + m.compound.toFixed(2);
        }
        meta.appendChild(badge);
      }
      var intent = String(m.intent || "").replace(/[^a-z_]/g, "");
      if (intent && intent !== "other") {
        meta.appendChild(el("span", "intent", intent.replace("_", " ")));
      }

      var href = safeLink(m.url);
      if (href) {
        var link = el("a", "original", "original");
        link.href = href;
        link.rel = "noopener noreferrer nofollow";
        link.target = "_blank";
        meta.appendChild(link);
      }
      item.appendChild(meta);

      if (m.title && String(m.title).trim() !== "") {
        item.appendChild(el("p", "mention-title", m.title));
      }
      item.appendChild(el("p", "mention-text", excerpt(m.text, 600)));
      return item;
    }

    function renderMentions(mentions) {
      if (!list || !Array.isArray(mentions)) return;
      var nowMs = Date.now();
      var shown = Array.prototype.map.call(list.querySelectorAll("[data-key]"), function (li) {
        return li.getAttribute("data-key");
      });
      var keys = mentions.map(mentionKey);
      if (keys.join("|") === shown.join("|") && keys.length > 0) {
        // Same list: only the relative times move.
        Array.prototype.forEach.call(list.querySelectorAll("time[datetime]"), function (t) {
          t.textContent = relativeTime(nowMs, t.getAttribute("datetime"));
        });
        return;
      }
      var known = new Set(shown);
      var nodes = mentions.map(function (m) {
        return mentionItem(m, nowMs, !known.has(mentionKey(m)));
      });
      if (nodes.length === 0) {
        nodes.push(el("li", "empty", "No mentions yet. They appear here as posts match your monitors."));
      }
      list.replaceChildren.apply(list, nodes);
    }

    function schedule(delay) {
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(refresh, delay);
    }

    function refresh() {
      timer = null;
      if (document.hidden) {
        setState("paused", "paused");
        return; // resumed by visibilitychange
      }
      if (busy) return;
      busy = true;
      Promise.all([getJson("/api/v1/stats"), getJson(countsUrl), getJson(mentionsUrl)])
        .then(function (results) {
          renderStats(results[0]);
          renderCounts(results[1]);
          renderMentions(results[2] && results[2].items);
          var now = new Date();
          if (updated) {
            updated.setAttribute("datetime", now.toISOString());
            updated.textContent = now.toLocaleTimeString();
          }
          setState("live", "live");
        })
        .catch(function (error) {
          setState("offline", "offline, retrying");
          if (window.console) console.warn("rapport: refresh failed", error);
        })
        .then(function () {
          busy = false;
          schedule(INTERVAL_MS);
        });
    }

    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) schedule(0);
    });

    // Pushed updates: the server announces each commit over server-sent events and the page
    // refreshes then; without EventSource, or while the stream is down, it polls.
    if (window.EventSource) {
      var source = new EventSource(base + "/events");
      source.addEventListener("change", function () {
        schedule(0);
      });
      source.addEventListener("open", function () {
        INTERVAL_MS = 30000; // a slow safety net while pushes arrive
      });
      source.addEventListener("error", function () {
        INTERVAL_MS = 2000; // EventSource reconnects by itself; poll meanwhile
        setState("offline", "reconnecting");
      });
    }
    schedule(0);
  }

  // The welcome page waits for the first workspace, then shows its dashboard.
  function initWelcome() {
    function check() {
      getJson("/api/v1/workspaces")
        .then(function (workspaces) {
          if (Array.isArray(workspaces) && workspaces.length > 0) {
            window.location.reload();
          } else {
            setTimeout(check, INTERVAL_MS);
          }
        })
        .catch(function () {
          setTimeout(check, INTERVAL_MS * 2);
        });
    }
    setTimeout(check, INTERVAL_MS);
  }

  // The monitor form: the query is checked as it is typed and the error is shown under
  // its column; "Preview matches" lists recent posts the query would have matched.
  function initMonitorForm(form) {
    var input = document.getElementById("monitor-query");
    var check = document.getElementById("query-check");
    var previewButton = document.getElementById("monitor-preview");
    var list = document.getElementById("preview-list");
    var timer = null;
    var asked = 0;

    function show(text, state) {
      check.textContent = text;
      check.setAttribute("data-state", state);
    }

    function run() {
      var q = input.value;
      if (!q.trim()) {
        show("", "empty");
        return;
      }
      var mine = ++asked;
      getJson("/api/v1/query/check?q=" + encodeURIComponent(q))
        .then(function (answer) {
          if (mine !== asked) return;
          if (answer.valid) show("\u2713 " + answer.canonical, "valid");
          else show(answer.error.display, "invalid");
        })
        .catch(function () {
          if (mine === asked) show("cannot check the query right now", "unknown");
        });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(run, 250);
    });
    if (input.value) run();

    previewButton.addEventListener("click", function () {
      var url = form.getAttribute("data-preview-url") + "?limit=20&q=" + encodeURIComponent(input.value);
      list.textContent = "";
      list.appendChild(el("li", "empty", "Looking at recent posts\u2026"));
      getJson(url)
        .then(function (preview) {
          list.textContent = "";
          if (!preview.posts || preview.posts.length === 0) {
            list.appendChild(el("li", "empty", "No recent post matches."));
            return;
          }
          preview.posts.forEach(function (p) {
            var li = el("li", "mention");
            var meta = el("div", "mention-meta");
            meta.appendChild(el("span", "handle", "@" + p.author_handle));
            meta.appendChild(el("span", "net net-" + p.network, p.network));
            li.appendChild(meta);
            li.appendChild(el("p", "mention-text", excerpt(p.text, 280)));
            list.appendChild(li);
          });
        })
        .catch(function () {
          list.textContent = "";
          list.appendChild(el("li", "empty", "Fix the query first, then preview."));
        });
    });
  }

  // The reply box counts as the network does (Mastodon: characters as people see them,
  // every URL as 23, a remote mention as its user part; X and Bluesky below) and says how
  // much is left; the server checks the same rule and refuses an over-long reply.
  function countMastodon(text) {
    var segmenter = window.Intl && Intl.Segmenter ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;
    var graphemes = function (s) {
      if (!segmenter) return Array.from(s).length;
      var n = 0;
      for (var it = segmenter.segment(s)[Symbol.iterator](), step = it.next(); !step.done; step = it.next()) n++;
      return n;
    };
    var total = 0;
    text.split(/(\s+)/).forEach(function (piece) {
      if (!piece) return;
      if (/^https?:\/\/\S+/i.test(piece)) total += 23;
      else {
        var remote = /^(@[\w]+)@[\w.-]+\.[\w-]+$/.exec(piece);
        total += graphemes(remote ? remote[1] : piece);
      }
    });
    return total;
  }

  function initReplyBox(area) {
    var max = parseInt(area.getAttribute("data-max-length"), 10);
    var mention = area.getAttribute("data-mention") || "";
    var out = document.querySelector("output[for='" + area.id + "']");
    var button = area.form && area.form.querySelector("button[type=submit]");
    var update = function () {
      var text = area.value.trim();
      var mentioned = text.split(/\s+/).some(function (w) { return w.replace(/[,:.!?]+$/, "") === mention; });
      var sent = mention && !mentioned ? mention + " " + text : text;
      var left = max - countFor(area.getAttribute("data-network") || "mastodon", sent);
      if (out) {
        out.textContent = left >= 0 ? left + " characters left" : -left + " characters too many";
        out.className = "reply-count" + (left < 0 ? " over" : "");
      }
      if (button) button.disabled = left < 0 || text.length === 0;
    };
    area.addEventListener("input", update);
    update();
  }

  // X counts every URL as 23 and most characters as one, CJK and emoji as two (an
  // approximation of twitter-text's weighting); the server's check is the authoritative one.
  function countX(text) {
    var total = 0;
    text.split(/(\s+)/).forEach(function (piece) {
      if (!piece) return;
      if (/^https?:\/\/\S+/i.test(piece)) { total += 23; return; }
      Array.from(piece).forEach(function (ch) {
        var cp = ch.codePointAt(0);
        total += (cp <= 0x10ff || (cp >= 0x2000 && cp <= 0x200d) || (cp >= 0x2010 && cp <= 0x201f) || (cp >= 0x2032 && cp <= 0x2037)) ? 1 : 2;
      });
    });
    return total;
  }

  function countFor(network, text) {
    if (network === "mastodon") return countMastodon(text);
    if (network === "x") return countX(text);
    if (network === "facebook") return Array.from(text).length;
    if (window.Intl && Intl.Segmenter) {
      var n = 0;
      var segments = new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text);
      for (var it = segments[Symbol.iterator](), step = it.next(); !step.done; step = it.next()) n++;
      return n;
    }
    return Array.from(text).length;
  }

  // The compose page: one live counter per target account, counting the text that goes
  // there (its own variant when one is written) with that account's rule.
  function initCompose(form) {
    var main = document.getElementById("compose-text");
    var counters = form.querySelectorAll("output.target-count");
    var update = function () {
      counters.forEach(function (out) {
        var max = parseInt(out.getAttribute("data-max"), 10);
        var variant = document.getElementById(out.getAttribute("data-variant"));
        var text = (variant && variant.value.trim()) || main.value.trim();
        var left = max - countFor(out.getAttribute("data-network"), text);
        out.textContent = left >= 0 ? left + " characters left" : -left + " characters too many";
        out.className = "target-count reply-count" + (left < 0 ? " over" : "");
      });
    };
    // Poll options against the tightest native limit of the chosen accounts (X: 25
    // characters, Mastodon: the instance's, 50 by default); accounts without native polls
    // get a survey link instead and add no limit here.
    var pollCheck = document.getElementById("poll-check");
    var checkPoll = function () {
      if (!pollCheck) return;
      var maxChars = Infinity, maxOptions = Infinity;
      form.querySelectorAll("div.target").forEach(function (target) {
        var box = target.querySelector("input[type=checkbox]");
        var chars = target.getAttribute("data-poll-chars");
        if (box && box.checked && chars) {
          maxChars = Math.min(maxChars, parseInt(chars, 10));
          maxOptions = Math.min(maxOptions, parseInt(target.getAttribute("data-poll-options"), 10));
        }
      });
      var filled = 0, problems = [];
      form.querySelectorAll("input.poll-option").forEach(function (input) {
        var n = Array.from(input.value.trim()).length;
        if (n > 0) filled++;
        var over = n > maxChars;
        input.classList.toggle("over", over);
        input.setAttribute("aria-invalid", over ? "true" : "false");
        if (over) problems.push("“" + input.value.trim() + "” is " + n + " characters, " + maxChars + " allowed");
      });
      if (filled === 1) problems.push("a poll needs 2 options");
      if (filled > maxOptions) problems.push("at most " + maxOptions + " options");
      pollCheck.textContent = filled === 0 ? "" : (problems.length ? problems.join("; ") : "the poll fits every chosen account");
      pollCheck.className = "reply-count" + (problems.length ? " over" : "");
    };
    form.addEventListener("input", checkPoll);
    form.addEventListener("change", checkPoll);
    checkPoll();
    form.addEventListener("input", update);
    update();
  }

  // A server-rendered part of a page that follows the store (the campaign pages): on each
  // `change` event of the workspace's stream the part is fetched again (its HTML is made
  // and escaped by the server, as the whole page is) and swapped in; without EventSource,
  // or while the stream is down, it polls. A hidden tab fetches when it is shown again.
  function initLivePart(root) {
    var src = root.getAttribute("data-live-src");
    var events = root.getAttribute("data-live-events");
    var busy = false;
    var pending = false;
    var interval = 30000;
    var timer = null;

    function later(delay) {
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(refresh, delay);
    }

    function refresh() {
      timer = null;
      if (document.hidden || busy) {
        pending = true;
        return;
      }
      busy = true;
      pending = false;
      fetch(src, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) {
          // Sent to the login page (the session ended): show it, never swap it in.
          if (response.redirected) {
            window.location.reload();
            throw new Error("signed out");
          }
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.text();
        })
        .then(function (html) {
          // The part is the server's own markup (every stored value escaped there, as on
          // the page itself); no data is made into HTML here, and a document made by
          // DOMParser runs no script.
          var parsed = new DOMParser().parseFromString(html, "text/html");
          root.replaceChildren.apply(root, Array.prototype.slice.call(parsed.body.childNodes));
          root.setAttribute("data-updated", new Date().toISOString());
        })
        .catch(function (error) {
          if (window.console) console.warn("rapport: live refresh failed", error);
        })
        .then(function () {
          busy = false;
          later(pending ? 0 : interval);
        });
    }

    document.addEventListener("visibilitychange", function () {
      if (!document.hidden && pending) later(0);
    });
    if (window.EventSource && events) {
      var source = new EventSource(events);
      var first = true;
      source.addEventListener("change", function () {
        // The stream's first event comes as it opens, when the page is fresh.
        if (first) {
          first = false;
          return;
        }
        later(0);
      });
      source.addEventListener("open", function () {
        interval = 30000; // a slow safety net while pushes arrive
      });
      source.addEventListener("error", function () {
        // EventSource reconnects by itself (its first event then refreshes, as changes
        // may have been missed); poll meanwhile.
        interval = 3000;
        later(interval);
      });
    } else {
      interval = 5000;
    }
    later(interval);
  }

  function start() {
    var livePart = document.querySelector("[data-live-src]");
    if (livePart) initLivePart(livePart);
    var compose = document.getElementById("compose-form");
    if (compose) initCompose(compose);
    var dashboard = document.querySelector("[data-workspace]");
    if (dashboard) initDashboard(dashboard);
    else if (document.querySelector("[data-await-workspace]")) initWelcome();
    var monitorForm = document.getElementById("monitor-form");
    if (monitorForm) initMonitorForm(monitorForm);
    var reply = document.querySelector("textarea[data-max-length]");
    if (reply) initReplyBox(reply);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

// Images and link previews on the compose and draft pages. Each file's kind is read from
// its first bytes (as the server does), never from its name; the limits come from each
// target account's data-media-* attributes; the link card is fetched by the server
// (through its SSRF guard) and put in with textContent.
(function () {
  "use strict";

  var SIGNATURES = [
    ["image/png", [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
    ["image/jpeg", [0xff, 0xd8, 0xff]],
    ["image/gif", [0x47, 0x49, 0x46, 0x38]],
  ];

  function sniff(bytes) {
    for (var i = 0; i < SIGNATURES.length; i++) {
      var sig = SIGNATURES[i][1], ok = bytes.length >= sig.length;
      for (var j = 0; ok && j < sig.length; j++) ok = bytes[j] === sig[j];
      if (ok) return SIGNATURES[i][0];
    }
    var text = String.fromCharCode.apply(null, Array.prototype.slice.call(bytes, 0, 12));
    if (text.slice(0, 4) === "RIFF" && text.slice(8, 12) === "WEBP") return "image/webp";
    return null;
  }

  function csrfOf(root) {
    var input = document.querySelector("input[name=csrf]");
    return input ? input.value : "";
  }

  function upload(url, file, alt) {
    return fetch(url + "?alt=" + encodeURIComponent(alt || ""), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrfOf(), Accept: "application/json", "Content-Type": "application/octet-stream" },
      body: file,
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error((body.error && body.error.message) || "HTTP " + response.status);
        return body;
      });
    });
  }

  function initComposeMedia(form) {
    var input = document.getElementById("compose-media");
    var list = document.getElementById("compose-media-list");
    var check = document.getElementById("media-check");
    if (!input || !list || !check) return;
    var files = []; // {file, kind, alt input}

    function validate() {
      var errors = [], warnings = [];
      form.querySelectorAll("div.target").forEach(function (target) {
        var box = target.querySelector("input[type=checkbox]");
        if (!box || !box.checked || files.length === 0) return;
        var name = target.getAttribute("data-network-name") || "this network";
        var most = parseInt(target.getAttribute("data-media-images") || "0", 10);
        if (most === 0) {
          errors.push("rapport does not send images to " + name + " yet");
          return;
        }
        var bytes = parseInt(target.getAttribute("data-media-bytes"), 10);
        var altChars = parseInt(target.getAttribute("data-media-alt-chars"), 10);
        var altRequired = target.getAttribute("data-media-alt-required") === "1";
        if (files.length > most) errors.push(name + " takes at most " + most + " images");
        files.forEach(function (f, i) {
          var n = i + 1, alt = f.alt.value.trim();
          if (f.file.size > bytes) errors.push("image " + n + " is " + f.file.size + " bytes; " + name + " takes " + bytes);
          if (!alt) (altRequired ? errors : warnings).push("image " + n + (altRequired ? " needs an alt text on " : " has no alt text on ") + name);
          else if (Array.from(alt).length > altChars) errors.push("image " + n + "'s alt text is too long for " + name);
        });
      });
      files.forEach(function (f, i) {
        if (!f.kind) errors.push("file " + (i + 1) + " (" + f.file.name + ") is not a PNG, JPEG, GIF or WebP image");
      });
      var lines = errors.concat(warnings);
      check.textContent = files.length === 0 ? "" : (lines.length ? lines.join("; ") : "the images fit every chosen account");
      check.className = "reply-count" + (errors.length ? " over" : "");
      return errors.length === 0;
    }

    input.addEventListener("change", function () {
      files = [];
      while (list.firstChild) list.removeChild(list.firstChild);
      var chosen = Array.prototype.slice.call(input.files || []);
      Promise.all(chosen.map(function (file) {
        return file.slice(0, 16).arrayBuffer().then(function (buffer) {
          return { file: file, kind: sniff(new Uint8Array(buffer)) };
        });
      })).then(function (sniffed) {
        sniffed.forEach(function (entry, i) {
          var li = document.createElement("li");
          var label = document.createElement("label");
          label.textContent = entry.file.name + " (" + (entry.kind || "not an image") + ", " + entry.file.size + " bytes): alt text ";
          var alt = document.createElement("input");
          alt.type = "text";
          alt.maxLength = 2000;
          alt.className = "media-alt-input";
          alt.setAttribute("aria-label", "Alt text of image " + (i + 1));
          label.appendChild(alt);
          li.appendChild(label);
          list.appendChild(li);
          files.push({ file: entry.file, kind: entry.kind, alt: alt });
        });
        validate();
      });
    });
    form.addEventListener("input", validate);
    form.addEventListener("change", validate);

    // With images: save the draft (never schedule it before its images are attached),
    // upload them, then open the draft's page.
    form.addEventListener("submit", function (event) {
      if (files.length === 0) return;
      event.preventDefault();
      if (!validate()) return;
      var fields = new URLSearchParams();
      new FormData(form).forEach(function (value, name) {
        if (typeof value === "string" && name !== "action") fields.append(name, value);
      });
      fields.append("action", "save");
      check.textContent = "saving the draft…";
      // The attribute: `form.action` is the form's buttons named "action", not its address.
      fetch(form.getAttribute("action"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: fields.toString(),
      }).then(function (response) {
        var match = /\/drafts\/(\d+)$/.exec(new URL(response.url).pathname);
        if (!response.ok || !match) throw new Error("the draft was not saved: check the text and the accounts");
        var draftUrl = response.url;
        var base = input.getAttribute("data-upload-base") + match[1] + "/media";
        return files.reduce(function (chain, f, i) {
          return chain.then(function () {
            check.textContent = "uploading image " + (i + 1) + " of " + files.length + "…";
            return upload(base, f.file, f.alt.value.trim());
          });
        }, Promise.resolve()).then(function () { window.location.assign(draftUrl); });
      }).catch(function (error) {
        check.textContent = String(error.message || error);
        check.className = "reply-count over";
      });
    });
  }

  function initLinkPreview(form) {
    var card = document.getElementById("link-preview");
    var text = document.getElementById("compose-text");
    if (!card || !text) return;
    var timer = null, last = null;
    function show(preview) {
      while (card.firstChild) card.removeChild(card.firstChild);
      if (!preview || !preview.url) { card.hidden = true; return; }
      var site = document.createElement("div");
      site.className = "link-card-site";
      site.textContent = preview.site_name || new URL(preview.url).host;
      var title = document.createElement("strong");
      title.textContent = preview.title || preview.url;
      var description = document.createElement("p");
      description.textContent = preview.description || "";
      card.appendChild(site);
      card.appendChild(title);
      card.appendChild(description);
      card.hidden = false;
    }
    function refresh() {
      var value = text.value;
      var found = /https?:\/\/\S+/.exec(value);
      var key = found ? found[0] : null;
      if (key === last) return;
      last = key;
      if (!key) { show(null); return; }
      fetch(card.getAttribute("data-preview-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": csrfOf(), "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ text: value }),
      }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(show).catch(function () { show(null); });
    }
    text.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 800);
    });
    refresh();
  }

  function initDraftMedia(section) {
    var status = document.getElementById("media-status");
    var button = document.getElementById("media-upload");
    if (button) {
      button.addEventListener("click", function () {
        var file = document.getElementById("media-file").files[0];
        if (!file) return;
        status.textContent = "uploading…";
        upload(section.getAttribute("data-upload"), file, document.getElementById("media-alt").value.trim())
          .then(function () { window.location.reload(); })
          .catch(function (error) {
            status.textContent = String(error.message || error);
            status.className = "reply-count over";
          });
      });
    }
    section.querySelectorAll("button.media-remove").forEach(function (remove) {
      remove.addEventListener("click", function () {
        fetch(section.getAttribute("data-media-base") + "/" + remove.getAttribute("data-media"), {
          method: "DELETE",
          credentials: "same-origin",
          headers: { "X-CSRF-Token": csrfOf() },
        }).then(function () { window.location.reload(); });
      });
    });
  }

  function start() {
    var compose = document.getElementById("compose-form");
    if (compose) {
      initComposeMedia(compose);
      initLinkPreview(compose);
    }
    var draftMedia = document.getElementById("draft-media");
    if (draftMedia) initDraftMedia(draftMedia);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
