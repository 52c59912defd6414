// Inbox: insert a requirement checklist into the reply box (the include tickets/knowledge/_answers.html).
document.addEventListener("click", function (event) {
  var button = event.target.closest(".kb-insert");
  if (!button) return;
  var panel = button.closest(".kb-answers");
  var target = document.querySelector(panel.dataset.kbTarget || "textarea[name=body]");
  var source = panel.querySelector('.kb-text[data-kb-slug="' + button.dataset.kbSlug + '"]');
  if (!target || !source) return;
  target.value = target.value ? target.value.replace(/\s*$/, "") + "\n\n" + source.value : source.value;
  target.dispatchEvent(new Event("input", { bubbles: true }));
  target.focus();
});
