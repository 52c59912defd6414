// Reply drafts (static/js/inbox.js keeps them in this tab's sessionStorage, per user and ticket) end
// with the session: signing out clears every one, and so does the sign-in page (a session that ran
// out, a tab left open), so the next person at a shared office computer never sees them.
(function () {
  "use strict";
  function clearDrafts() {
    try {
      for (var i = sessionStorage.length - 1; i >= 0; i -= 1) {
        var key = sessionStorage.key(i);
        if (key && key.indexOf("curhat-draft-") === 0) { sessionStorage.removeItem(key); }
      }
    } catch (e) { /* storage unavailable: nothing kept either */ }
  }
  if (document.querySelector("[data-drafts-end=page]")) { clearDrafts(); }
  document.addEventListener("submit", function (event) {
    if (event.target.matches && event.target.matches("[data-drafts-end=submit]")) { clearDrafts(); }
  }, true);
}());
