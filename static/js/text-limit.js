// A box with a length limit (data-limit) and its counter (data-counter-for = the box's id): no
// maxlength, so a pasted text longer than the limit stays whole in the box (the browser would cut its
// ending silently); the counter turns red and says it is too long, and the form is not sent until
// it fits (the server refuses it too, keeping the text).
(function () {
  "use strict";
  document.querySelectorAll("[data-counter-for]").forEach(function (counter) {
    var box = document.getElementById(counter.dataset.counterFor);
    if (!box) { return; }
    var max = parseInt(box.dataset.limit, 10) || 0;
    var send = box.form && box.form.querySelector("button[type=submit]");
    function over() { return max > 0 && box.value.length > max; }
    function count() {
      var tooLong = over();
      var template = tooLong ? counter.dataset.overTemplate : counter.dataset.template;
      counter.textContent = template.replace("%(count)s", String(box.value.length)).replace("%(limit)s", String(max));
      counter.classList.toggle("over", tooLong);
      if (send) { send.disabled = tooLong; }
      if (tooLong) { box.setAttribute("aria-invalid", "true"); } else if (!box.dataset.serverError) { box.removeAttribute("aria-invalid"); }
    }
    box.addEventListener("input", count);
    if (box.form) {
      box.form.addEventListener("submit", function (event) {
        if (over()) { event.preventDefault(); count(); box.focus(); }
      });
    }
    count();
  });
}());
