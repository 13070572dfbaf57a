// Adds a blank row to a Django formset: clones the hidden template row and renumbers it.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-formset-add]");
  if (!button) return;
  var prefix = button.getAttribute("data-formset-add");
  var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
  var max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
  var template = document.getElementById(prefix + "-empty");
  var index = parseInt(total.value, 10);
  if (max && index >= parseInt(max.value, 10)) return;
  var html = template.innerHTML.replace(/__prefix__/g, String(index));
  document.getElementById(prefix + "-rows").insertAdjacentHTML("beforeend", html);
  total.value = String(index + 1);
});

// A print button without an inline handler (the content security policy forbids inline script).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) window.print();
});

// Sizes that depend on the data (a tree row's indent, a progress bar's width) are set here, not in a
// style attribute: the content security policy refuses inline styles.
document.querySelectorAll("[data-indent]").forEach(function (el) {
  el.style.paddingLeft = el.getAttribute("data-indent") + "rem";
});
document.querySelectorAll("[data-width]").forEach(function (el) {
  el.style.width = el.getAttribute("data-width") + "%";
});
