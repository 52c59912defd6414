/* Curhat Adminduk: the operators' inbox. Plain JS, no inline handlers (CSP script-src 'self').
 * Short polling: the list asks for tickets with new activity, the ticket page for new messages,
 * delivery states and who else is here. Keyboard: j/k next/previous ticket, r reply, n note, / insert an answer, i details, ? shortcuts. */
(function () {
  "use strict";

  var ORDER_KEY = "curhat-inbox-order";

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) { return input.value; }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.json();
    });
  }

  function isTyping(event) {
    var tag = (event.target && event.target.tagName) || "";
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || event.target.isContentEditable;
  }

  function withParam(url, name, value) {
    return url + (url.indexOf("?") === -1 ? "?" : "&") + encodeURIComponent(name) + "=" + encodeURIComponent(value);
  }

  // --- the list -----------------------------------------------------------------------------------
  function initList(root) {
    var tbody = document.getElementById("ticket-rows");
    var since = root.dataset.since;
    var interval = parseInt(root.dataset.pollInterval, 10) || 4000;
    var note = document.getElementById("live-note");
    var current = -1;

    function rows() { return Array.prototype.slice.call(tbody.querySelectorAll("tr.ticket-row")); }

    function rememberOrder() {
      try {
        sessionStorage.setItem(ORDER_KEY, JSON.stringify({
          list: location.pathname + location.search,
          ids: rows().map(function (r) { return r.dataset.ticketId; })
        }));
      } catch (e) { /* storage disabled: shortcuts on the ticket page just do nothing */ }
    }

    function poll() {
      getJSON(withParam(root.dataset.pollUrl, "since", since)).then(function (data) {
        since = data.since;
        if (!data.rows.length) { return; }
        var empty = tbody.querySelector("tr.empty");
        if (empty) { empty.remove(); }
        data.rows.slice().reverse().forEach(function (row) {
          var old = document.getElementById("tiket-" + row.id);
          var fresh = fragment(row.html);
          if (old) {
            // A ticked row stays ticked (and current) when its newer version replaces it.
            var was = old.querySelector("input[type=checkbox]");
            var box = fresh.querySelector("input[type=checkbox]");
            if (was && box) { box.checked = was.checked; }
            if (old.classList.contains("current")) { fresh.classList.add("current"); }
            old.remove();
          }
          tbody.insertBefore(fresh, tbody.firstChild);
        });
        note.textContent = data.rows.length + " " + root.dataset.updatedText;
        rememberOrder();
      }).catch(function () { /* next tick tries again */ });
    }

    function select(index) {
      var all = rows();
      if (!all.length) { return; }
      current = Math.max(0, Math.min(all.length - 1, index));
      all.forEach(function (r) { r.classList.remove("current"); });
      all[current].classList.add("current");
      var link = all[current].querySelector("a.ticket-link");
      if (link) { link.focus(); }
    }

    document.addEventListener("keydown", function (event) {
      if (isTyping(event) || event.ctrlKey || event.metaKey || event.altKey) { return; }
      if (event.key === "j") { select(current + 1); event.preventDefault(); }
      else if (event.key === "k") { select(current - 1); event.preventDefault(); }
      else if (event.key === "/") { document.getElementById("id_q").focus(); event.preventDefault(); }
    });

    var all = document.getElementById("select-all");
    if (all) {
      all.addEventListener("change", function () {
        rows().forEach(function (r) {
          var box = r.querySelector("input[type=checkbox]");
          if (box) { box.checked = all.checked; }
        });
      });
    }

    rememberOrder();
    if (root.dataset.firstPage === "1") { setInterval(poll, interval); }
  }

  // --- the ticket page: the workspace ------------------------------------------------------------
  var WIDE = window.matchMedia("(min-width: 1024px)");    // conversation + details side by side
  var WIDEST = window.matchMedia("(min-width: 1366px)");  // and the ticket list on the left
  var SIDE_KEY = "curhat-side-collapsed";

  function initTicket(root) {
    var timeline = document.getElementById("timeline");
    var presence = document.getElementById("presence");
    var after = parseInt(root.dataset.after, 10) || 0;
    var interval = parseInt(root.dataset.pollInterval, 10) || 4000;
    var reply = document.getElementById("reply-body");
    var note = document.getElementById("note-body");
    var replyForm = document.getElementById("reply-form");
    var noteForm = document.getElementById("note-form");
    var tabReply = document.getElementById("tab-reply");
    var tabNote = document.getElementById("tab-note");
    var picker = document.getElementById("picker");
    var pickerOpen = document.getElementById("picker-open");
    var search = document.getElementById("canned-search");
    var lastTyping = 0;

    // A long name is cut to two lines in the header: its full text is in its title (pointer) and a
    // tap or Enter shows it whole (wrapped).
    var fullName = document.getElementById("ticket-name");
    if (fullName && fullName.scrollHeight > fullName.clientHeight + 1) {
      fullName.setAttribute("role", "button");
      fullName.setAttribute("tabindex", "0");
      fullName.setAttribute("aria-expanded", "false");
      fullName.setAttribute("aria-label", fullName.textContent + " — " + fullName.dataset.expand);
      var toggleName = function () {
        var full = fullName.classList.toggle("full");
        fullName.setAttribute("aria-expanded", String(full));
        fit();
      };
      fullName.addEventListener("click", toggleName);
      fullName.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); toggleName(); }
      });
    }

    // The workspace fills the window below the top bar (its height varies as its links wrap).
    var topbar = document.querySelector(".topbar");
    function fit() {
      if (topbar) { document.documentElement.style.setProperty("--topbar-h", topbar.offsetHeight + "px"); }
    }
    fit();
    window.addEventListener("resize", fit);
    // The toast goes after 6 s (an error after 15 s); the pane's timeline takes its place.
    var flash = document.getElementById("flash");
    if (flash) {
      var stay = flash.querySelector(".error") ? 15000 : 6000;
      setTimeout(function () { flash.classList.add("gone"); }, stay);
    }

    function nearBottom() { return timeline.scrollHeight - timeline.scrollTop - timeline.clientHeight < 80; }
    function toBottom() { timeline.scrollTop = timeline.scrollHeight; }
    toBottom();
    window.addEventListener("load", toBottom);  // images above may have grown the timeline

    function applyStatuses(statuses) {
      Object.keys(statuses).forEach(function (id) {
        var state = statuses[id];
        var badge = document.querySelector("[data-status-for='" + id + "']");
        if (badge) {
          badge.textContent = state.label;
          badge.className = "badge dl-" + state.status;
        }
        var error = document.querySelector("[data-error-for='" + id + "']");
        if (error) { error.textContent = state.status === "failed" ? state.error : ""; }
      });
    }

    function showPresence(people) {
      presence.textContent = people.map(function (p) {
        return p.name + " " + (p.typing ? presence.dataset.typing : presence.dataset.viewing);
      }).join(", ");
    }

    function poll() {
      getJSON(withParam(root.dataset.pollUrl, "after", after)).then(function (data) {
        var stick = nearBottom();
        data.messages.forEach(function (m) {
          if (!document.getElementById("pesan-" + m.id)) { timeline.appendChild(fragment(m.html)); }
          after = Math.max(after, m.id);
        });
        if (data.messages.length && stick) { toBottom(); }
        applyStatuses(data.statuses);
        showPresence(data.presence);
      }).catch(function () { /* next tick tries again */ });
    }

    function sendTyping() {
      var now = Date.now();
      if (now - lastTyping < 3000) { return; }
      lastTyping = now;
      var body = new URLSearchParams();
      body.append("typing", "1");
      fetch(root.dataset.typingUrl, {
        method: "POST", credentials: "same-origin", body: body,
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" }
      }).catch(function () {});
    }

    if (reply) { reply.addEventListener("input", sendTyping); }
    if (note) { note.addEventListener("input", sendTyping); }

    // Composer: reply or internal note, one at a time.
    function showTab(which) {
      var isNote = which === "note";
      if (!WIDE.matches && root.classList.contains("show-side")) { root.classList.remove("show-side"); syncToggle(); }
      replyForm.classList.toggle("js-hidden", isNote);
      noteForm.classList.toggle("js-hidden", !isNote);
      tabReply.setAttribute("aria-selected", String(!isNote));
      tabNote.setAttribute("aria-selected", String(isNote));
      if (isNote) { closePicker(false); }
      (isNote ? note : reply).focus();
    }
    tabReply.addEventListener("click", function () { showTab("reply"); });
    tabNote.addEventListener("click", function () { showTab("note"); });
    [reply, note].forEach(function (box) {
      box.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          if (box.form.reportValidity()) { box.form.requestSubmit(); }
        }
      });
    });

    // The picker: canned answers and requirement checklists, searched; "/" in the reply box opens it.
    function pickerItems() {
      return Array.prototype.slice.call(picker.querySelectorAll(".canned-item, .kb-insert")).filter(function (item) {
        return !item.closest(".hidden") && item.offsetParent !== null;
      });
    }
    var active = -1;
    function highlight(index) {
      var items = pickerItems();
      items.forEach(function (item) { item.classList.remove("active"); });
      if (!items.length) { active = -1; return; }
      active = (index + items.length) % items.length;
      items[active].classList.add("active");
      items[active].scrollIntoView({ block: "nearest" });
    }
    // Where the chosen answer goes: the reply's selection when the picker opened (only it is replaced).
    var insertAt = null;
    var empty = document.getElementById("picker-empty");
    function openPicker() {
      insertAt = { start: reply.selectionStart, end: reply.selectionEnd };
      picker.classList.remove("js-hidden");
      pickerOpen.setAttribute("aria-expanded", "true");
      search.focus();
      search.select();
      highlight(0);
    }
    function closePicker(focusReply) {
      picker.classList.add("js-hidden");
      pickerOpen.setAttribute("aria-expanded", "false");
      if (focusReply) { reply.focus(); }
    }
    function insertAtCursor(text) {
      var at = insertAt || { start: reply.value.length, end: reply.value.length };
      reply.value = reply.value.slice(0, at.start) + text + reply.value.slice(at.end);
      var caret = at.start + text.length;
      insertAt = null;
      closePicker(true);
      reply.setSelectionRange(caret, caret);
      reply.dispatchEvent(new Event("input", { bubbles: true }));
    }
    function insert(text) { insertAtCursor(text); }
    pickerOpen.addEventListener("click", function () {
      if (picker.classList.contains("js-hidden")) { openPicker(); } else { closePicker(true); }
    });
    // "/" opens the picker only at the start of a line (spaces before it allowed); elsewhere, as in
    // "KK / akta", it is a slash. In the picker's empty search box a second "/" ("//") closes it and
    // types the slash.
    reply.addEventListener("keydown", function (event) {
      if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) { return; }
      var before = reply.value.slice(0, reply.selectionStart);
      var line = before.slice(before.lastIndexOf("\n") + 1);
      if (/^[ \t]*$/.test(line)) { event.preventDefault(); openPicker(); }
    });
    search.addEventListener("keydown", function (event) {
      // Nothing typed yet (the last search is kept, selected): "//".
      var fresh = search.selectionStart === 0 && search.selectionEnd === search.value.length;
      if (event.key === "/" && fresh && insertAt) { event.preventDefault(); insertAtCursor("/"); }
    });
    search.addEventListener("input", function () {
      var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      picker.querySelectorAll(".canned-item, .kb-insert").forEach(function (item) {
        // Title and shortcut come lowercased from the page; the body is lowercased here (not sent twice).
        var hay = (item.dataset.search || item.textContent.toLowerCase()) + " " + (item.dataset.body || "").toLowerCase();
        var hit = words.every(function (w) { return hay.indexOf(w) !== -1; });
        item.parentElement.classList.toggle("hidden", !hit);
      });
      if (empty) {
        var any = Array.prototype.some.call(picker.querySelectorAll(".canned-item, .kb-insert"), function (item) {
          return !item.closest(".hidden");
        });
        empty.classList.toggle("hidden", any);
      }
      highlight(0);
    });
    picker.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") { highlight(active + 1); event.preventDefault(); }
      else if (event.key === "ArrowUp") { highlight(active - 1); event.preventDefault(); }
      else if (event.key === "Escape") { closePicker(true); event.preventDefault(); event.stopPropagation(); }
      else if (event.key === "Enter" && event.target === search) {
        var items = pickerItems();
        if (items[active]) { items[active].click(); }
        event.preventDefault();
      }
    });
    picker.querySelectorAll(".canned-item").forEach(function (item) {
      item.addEventListener("click", function () { insert(item.dataset.body); });
    });
    // A requirement checklist from the picker goes at the cursor too (knowledge-insert.js, which
    // appends, serves the other pages): taken here, before it bubbles to the document.
    picker.addEventListener("click", function (event) {
      var button = event.target.closest(".kb-insert");
      if (!button) { return; }
      var panel = button.closest(".kb-answers");
      var source = panel && panel.querySelector('.kb-text[data-kb-slug="' + button.dataset.kbSlug + '"]');
      if (!source) { return; }
      event.stopPropagation();
      insertAtCursor(source.value);
    }, true);

    // The 24-hour window state of the chosen channel, before sending.
    var channel = document.getElementById("reply-channel");
    if (channel) {
      channel.addEventListener("change", function () {
        document.querySelectorAll("[data-window-for]").forEach(function (el) {
          el.classList.toggle("hidden", el.dataset.windowFor !== channel.value);
        });
        // Free text cannot go on a channel whose window is closed without a template: no send.
        var chosen = channel.options[channel.selectedIndex];
        var send = document.getElementById("reply-send");
        var refused = chosen && chosen.dataset.refused === "1";
        send.disabled = refused;
        if (refused) { send.setAttribute("aria-describedby", "window-state"); } else { send.removeAttribute("aria-describedby"); }
      });
    }

    // Drafts: the reply being written is kept per ticket in this tab's sessionStorage (never in
    // localStorage: office PCs are shared), restored on coming back, dropped once it was sent. A
    // refused reply comes back from the server in the box, with the reason next to it.
    // Keyed by user and ticket: on a shared computer another user never gets this one's draft (and
    // signing out clears them all, static/js/drafts-end.js).
    var DRAFT_KEY = "curhat-draft-" + (root.dataset.userId || "0") + "-" + root.dataset.ticketId;
    var counter = document.getElementById("reply-count");
    var leavingInbox = true;   // false while going to another ticket (the draft is kept meanwhile)
    var submitting = false;
    function store(key, value) {
      try { if (value) { sessionStorage.setItem(key, value); } else { sessionStorage.removeItem(key); } } catch (e) { /* not kept */ }
    }
    function stored(key) { try { return sessionStorage.getItem(key) || ""; } catch (e) { return ""; } }
    function limit() {
      var chosen = channel && channel.options[channel.selectedIndex];
      return parseInt((chosen && chosen.dataset.limit) || reply.dataset.limit, 10) || 4096;
    }
    function tooLong() { return reply.value.length > limit(); }
    // No maxlength on the box: a pasted reply longer than the channel takes stays whole in it (the
    // browser would cut its ending silently); the counter says it is too long and sending waits.
    function count() {
      var max = limit();
      var over = tooLong();
      var send = document.getElementById("reply-send");
      var chosen = channel && channel.options[channel.selectedIndex];
      if (send) { send.disabled = over || !!(chosen && chosen.dataset.refused === "1"); }
      if (over) { reply.setAttribute("aria-invalid", "true"); } else if (reply.dataset.refused !== "1") { reply.removeAttribute("aria-invalid"); }
      if (!counter) { return; }
      var template = over ? counter.dataset.overTemplate : counter.dataset.template;
      counter.textContent = template.replace("%(count)s", String(reply.value.length)).replace("%(limit)s", String(max));
      counter.classList.toggle("over", over);
    }
    var replyForm = document.getElementById("reply-form");
    if (replyForm) {
      replyForm.addEventListener("submit", function (event) {
        if (tooLong()) { event.preventDefault(); submitting = false; count(); reply.focus(); }
      });
    }
    if (reply.dataset.refused === "1") {
      // The refused reply's page answers the POST: its address becomes the ticket's again.
      if (root.dataset.pageUrl && location.pathname !== root.dataset.pageUrl) {
        try { history.replaceState(null, "", root.dataset.pageUrl); } catch (e) { /* keeps the address */ }
      }
      store(DRAFT_KEY, reply.value);   // the server gave the refused text back: that is the draft
    } else if (document.querySelector("#flash li.reply-sent")) {
      store(DRAFT_KEY, "");            // the reply was queued: its draft is done with
    } else if (!reply.value && stored(DRAFT_KEY)) {
      reply.value = stored(DRAFT_KEY);
    }
    reply.addEventListener("input", function () { store(DRAFT_KEY, reply.value); count(); });
    if (channel) { channel.addEventListener("change", count); }
    count();
    // Any form of this page (reply, note, claim, status, escalation) comes back to this ticket, where
    // the draft is restored: no question when one is sent.
    document.addEventListener("submit", function () { submitting = true; }, true);
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a[href]");
      if (link && link.origin === location.origin && link.pathname.indexOf("/inbox/tiket/") !== -1) { leavingInbox = false; }
    }, true);
    window.addEventListener("beforeunload", function (event) {
      var typed = reply.value.trim() || note.value.trim();
      if (submitting || !typed || !leavingInbox) { leavingInbox = true; return; }
      event.preventDefault();
      event.returnValue = "";
    });

    // The details pane: collapsible beside the conversation; on a narrow screen, one pane at a time.
    var toggle = document.getElementById("details-toggle");
    function sideShown() {
      return WIDE.matches ? !root.classList.contains("side-collapsed") : root.classList.contains("show-side");
    }
    function syncToggle() { toggle.setAttribute("aria-expanded", String(sideShown())); }
    function setSide(show) {
      if (WIDE.matches) {
        root.classList.toggle("side-collapsed", !show);
        try { localStorage.setItem(SIDE_KEY, show ? "0" : "1"); } catch (e) { /* not remembered */ }
      } else {
        root.classList.toggle("show-side", show);
        window.scrollTo(0, 0);
      }
      syncToggle();
      if (!show) { toggle.focus(); }
    }
    try { if (localStorage.getItem(SIDE_KEY) === "1") { root.classList.add("side-collapsed"); } } catch (e) { /* default */ }
    syncToggle();
    WIDE.addEventListener("change", syncToggle);
    toggle.addEventListener("click", function () { setSide(!sideShown()); });
    document.getElementById("side-back").addEventListener("click", function () { setSide(false); });
    document.getElementById("side-collapse").addEventListener("click", function () { setSide(false); });

    // The list pane (widest screens): the list the operator came from, refreshed now and then.
    var paneRows = document.getElementById("pane-rows");
    var paneLoaded = false;
    function loadPane() {
      if (!WIDEST.matches) { return; }
      getJSON(document.getElementById("pane-list").dataset.url).then(function (data) {
        paneRows.textContent = "";
        data.rows.forEach(function (row) {
          var tr = fragment(row.html);
          if (String(row.id) === root.dataset.ticketId) {
            tr.classList.add("current");
            var link = tr.querySelector("a.ticket-link");
            if (link) { link.setAttribute("aria-current", "page"); }
          }
          paneRows.appendChild(tr);
        });
        if (!paneLoaded) {
          var current = paneRows.querySelector("tr.current");
          if (current) { current.scrollIntoView({ block: "nearest" }); }
        }
        paneLoaded = true;
      }).catch(function () { /* the next refresh tries again */ });
    }
    loadPane();
    WIDEST.addEventListener("change", loadPane);
    setInterval(loadPane, Math.max(interval * 4, 15000));

    function neighbour(step) {
      try {
        var order = JSON.parse(sessionStorage.getItem(ORDER_KEY) || "{}");
        var ids = order.ids || [];
        if (paneLoaded && !ids.length) {
          ids = Array.prototype.map.call(paneRows.querySelectorAll("tr.ticket-row"), function (r) { return r.dataset.ticketId; });
        }
        var at = ids.indexOf(root.dataset.ticketId);
        if (at === -1 || !ids[at + step]) { return null; }
        return location.pathname.replace(/\/tiket\/\d+\//, "/tiket/" + ids[at + step] + "/");
      } catch (e) { return null; }
    }

    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !picker.classList.contains("js-hidden")) { closePicker(true); return; }
      if (event.key === "Escape" && isTyping(event)) { event.target.blur(); return; }
      if (isTyping(event) || event.ctrlKey || event.metaKey || event.altKey) { return; }
      var target = null;
      if (event.key === "r") { showTab("reply"); event.preventDefault(); }
      else if (event.key === "n") { showTab("note"); event.preventDefault(); }
      else if (event.key === "/") { showTab("reply"); openPicker(); event.preventDefault(); }
      else if (event.key === "i") { setSide(!sideShown()); event.preventDefault(); }
      else if (event.key === "?") {
        var help = document.getElementById("shortcut-help");
        setSide(true);
        help.open = true;
        help.querySelector("summary").focus();
        help.scrollIntoView({ block: "nearest" });
        event.preventDefault();
      }
      else if (event.key === "j") { target = neighbour(1); }
      else if (event.key === "k") { target = neighbour(-1); }
      if (target) { event.preventDefault(); leavingInbox = false; location.href = target; }
    });

    setInterval(poll, interval);
  }

  function start() {
    document.documentElement.classList.add("js");
    var list = document.getElementById("inbox");
    if (list) { initList(list); }
    var ticket = document.getElementById("ticket-page");
    if (ticket) { initTicket(ticket); }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
