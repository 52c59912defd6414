/* Curhat Adminduk: the operators' inbox. Plain JS, no inline handlers (CSP script-src 'self').
 * Short polling: the list asks for tickets with new activity, the ticket page for new messages,
 * delivery states and who else is here. Keyboard: j/k next/previous ticket, r reply, n note. */
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
          if (old) { old.remove(); }
          tbody.insertBefore(fragment(row.html), tbody.firstChild);
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

  // --- the ticket page ----------------------------------------------------------------------------
  function initTicket(root) {
    var timeline = document.getElementById("timeline");
    var presence = document.getElementById("presence");
    var after = parseInt(root.dataset.after, 10) || 0;
    var interval = parseInt(root.dataset.pollInterval, 10) || 4000;
    var reply = document.getElementById("reply-body");
    var note = document.getElementById("note-body");
    var lastTyping = 0;

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
        data.messages.forEach(function (m) {
          if (!document.getElementById("pesan-" + m.id)) { timeline.appendChild(fragment(m.html)); }
          after = Math.max(after, m.id);
        });
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

    // Canned answers: search, then one click inserts the filled-in text.
    var search = document.getElementById("canned-search");
    var items = Array.prototype.slice.call(document.querySelectorAll(".canned-item"));
    if (search) {
      search.addEventListener("input", function () {
        var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
        items.forEach(function (item) {
          // Title and shortcut come lowercased from the page; the body is lowercased here
          // (not sent twice).
          var hay = (item.dataset.search || "") + " " + (item.dataset.body || "").toLowerCase();
          var hit = words.every(function (w) { return hay.indexOf(w) !== -1; });
          item.parentElement.classList.toggle("hidden", !hit);
        });
      });
    }
    items.forEach(function (item) {
      item.addEventListener("click", function () {
        reply.value = reply.value ? reply.value.replace(/\s*$/, "\n\n") + item.dataset.body : item.dataset.body;
        reply.focus();
        sendTyping();
      });
    });

    // The 24-hour window state of the chosen channel, before sending.
    var channel = document.getElementById("reply-channel");
    if (channel) {
      channel.addEventListener("change", function () {
        document.querySelectorAll("[data-window-for]").forEach(function (el) {
          el.classList.toggle("hidden", el.dataset.windowFor !== channel.value);
        });
      });
    }

    function neighbour(step) {
      try {
        var order = JSON.parse(sessionStorage.getItem(ORDER_KEY) || "{}");
        var ids = order.ids || [];
        var at = ids.indexOf(root.dataset.ticketId);
        if (at === -1 || !ids[at + step]) { return null; }
        return location.pathname.replace(/\/tiket\/\d+\//, "/tiket/" + ids[at + step] + "/");
      } catch (e) { return null; }
    }

    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && isTyping(event)) { event.target.blur(); return; }
      if (isTyping(event) || event.ctrlKey || event.metaKey || event.altKey) { return; }
      var target = null;
      if (event.key === "r") { reply.focus(); event.preventDefault(); }
      else if (event.key === "n") { note.focus(); event.preventDefault(); }
      else if (event.key === "j") { target = neighbour(1); }
      else if (event.key === "k") { target = neighbour(-1); }
      if (target) { event.preventDefault(); location.href = target; }
    });

    setInterval(poll, interval);
  }

  function start() {
    var list = document.getElementById("inbox");
    if (list) { initList(list); }
    var ticket = document.getElementById("ticket-page");
    if (ticket) { initTicket(ticket); }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
