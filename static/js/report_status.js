// The report status page follows the report without a reload: it asks the server every
// couple of seconds until the report is ready or failed, then shows the download or the error.
(function () {
  var box = document.getElementById("report-status");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("report-progress");
  var label = document.getElementById("report-status-label");
  var started = Date.now();
  var GIVE_UP_MS = 30 * 60 * 1000;

  function show(state) {
    box.setAttribute("data-status", state.status);
    label.textContent = state.label;
    bar.style.width = state.progress + "%";
    bar.setAttribute("aria-valuenow", String(state.progress));
    if (state.finished) {
      document.querySelectorAll("[data-when]").forEach(function (el) {
        el.hidden = el.getAttribute("data-when") !== state.status;
      });
      var error = document.getElementById("report-error");
      if (error) error.textContent = state.error;
      bar.classList.remove("progress-bar-striped", "progress-bar-animated");
    }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (state) {
        show(state);
        if (!state.finished) schedule();
      })
      .catch(schedule);
  }

  function schedule() {
    if (Date.now() - started > GIVE_UP_MS) {
      document.querySelectorAll("[data-when='stalled']").forEach(function (el) { el.hidden = false; });
      return;
    }
    window.setTimeout(poll, 1500);
  }

  if (box.getAttribute("data-finished") !== "true") schedule();
})();
