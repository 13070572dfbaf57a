// The import page follows a check or an import running in the background: it asks the server
// every couple of seconds and moves the bar, then reloads once the run is over to show its findings.
(function () {
  var box = document.getElementById("import-status");
  if (!box || box.getAttribute("data-running") !== "true") return;
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("import-progress");
  var label = document.getElementById("import-status-label");

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (state) {
        label.textContent = state.label;
        if (bar) {
          bar.style.width = state.progress + "%";
          bar.parentNode.setAttribute("aria-valuenow", String(state.progress));
        }
        if (state.finished) window.location.reload();
        else window.setTimeout(poll, 1500);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  window.setTimeout(poll, 1000);
})();
