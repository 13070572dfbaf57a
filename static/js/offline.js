// The visits app without signal: "My visits" keeps the cadre's households and a queue of visits recorded
// offline in IndexedDB, and sends the queue to /visits/offline/sync/ when the phone is back online (on the
// `online` event, when the page opens, and with "Sync now"). The offline form (served by the service worker
// for any household's "Record visit" when there is no signal) adds to the queue. Every text comes from the
// page (#offline-strings), in the cadre's language. Loaded on every page for the log-out clean-up.
"use strict";

(function () {
  var DB_NAME = "hardship-offline";
  var PAGES_CACHE = "hardship-pages";
  var FLASH = "hardship-offline-flash";
  var BATCH = 50;
  var strings = (document.getElementById("offline-strings") || { dataset: {} }).dataset;

  // --- IndexedDB: "households" (the cadre's, from My visits) and "outbox" (visits waiting to sync) ---------

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore("households", { keyPath: "id" });
        request.result.createObjectStore("outbox", { keyPath: "key" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function tx(store, mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(store, mode);
        var result = work(t.objectStore(store));
        t.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : result); };
        t.onerror = function () { db.close(); reject(t.error); };
      });
    });
  }

  function all(store) { return tx(store, "readonly", function (s) { return s.getAll(); }); }
  function get(store, key) { return tx(store, "readonly", function (s) { return s.get(key); }); }
  function put(store, value) { return tx(store, "readwrite", function (s) { s.put(value); }); }
  function remove(store, key) { return tx(store, "readwrite", function (s) { s.delete(key); }); }

  function replaceHouseholds(user, rows) {
    return tx("households", "readwrite", function (s) {
      s.clear();
      rows.forEach(function (row) { row.user = user; s.put(row); });
    });
  }

  function mine(user) {
    return all("outbox").then(function (items) {
      return items.filter(function (item) { return item.user === user; })
        .sort(function (a, b) { return a.created < b.created ? -1 : 1; });
    });
  }

  function newKey() {
    if (self.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function today() {
    var now = new Date();
    now.setMinutes(now.getMinutes() - now.getTimezoneOffset());
    return now.toISOString().slice(0, 10);
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // --- "My visits": the sync bar, the queue and the sync itself ----------------------------------------------

  function board(app) {
    var user = parseInt(app.dataset.user, 10);
    var status = document.getElementById("sync-status");
    var count = document.getElementById("pending-count");
    var list = document.getElementById("pending-list");
    var connection = document.getElementById("connection");
    var syncing = false;

    function say(text, tone) {
      status.textContent = text || "";
      status.className = "small mt-1" + (tone ? " text-" + tone : "");
    }

    function showConnection() {
      connection.textContent = navigator.onLine ? connection.dataset.online : connection.dataset.offline;
      connection.className = "badge " + (navigator.onLine ? "text-bg-success" : "text-bg-secondary");
      if (!navigator.onLine) say(strings.offline);
    }

    function render() {
      return mine(user).then(function (items) {
        count.textContent = String(items.length);
        list.replaceChildren();
        document.querySelectorAll("[data-file] .badge-pending").forEach(function (b) { b.remove(); });
        items.forEach(function (item) {
          var row = document.querySelector('li[data-file="' + item.record.file + '"] a.fw-semibold');
          if (row) row.after(el("span", "badge text-bg-warning ms-1 badge-pending", strings.waiting));
          list.append(pendingItem(item));
        });
        return items;
      });
    }

    function pendingItem(item) {
      var li = el("li", "border-top py-2 pending-visit");
      li.dataset.key = item.key;
      var head = el("div", "d-flex justify-content-between align-items-center gap-2");
      head.append(el("span", "fw-semibold", item.name + " · " + item.record.visited_on));
      var buttons = el("span", "d-flex gap-1");
      var edit = el("a", "btn btn-sm btn-outline-secondary", strings.edit);
      edit.href = app.dataset.form + "?file=" + item.record.file + "&edit=" + item.key;
      var discard = el("button", "btn btn-sm btn-outline-danger", strings.discard);
      discard.type = "button";
      discard.addEventListener("click", function () {
        if (discard.dataset.armed) { remove("outbox", item.key).then(render); return; }
        discard.dataset.armed = "1";
        discard.textContent = strings.discardAgain;
      });
      buttons.append(edit, discard);
      head.append(buttons);
      li.append(head);
      if (item.state === "invalid") {
        var problem = el("div", "small text-danger", strings.notSent + ": " + item.message);
        Object.keys(item.errors || {}).forEach(function (field) {
          problem.append(el("div", "", (item.errors[field] || []).join(" ")));
        });
        li.append(problem);
      }
      return li;
    }

    function fetchHouseholds() {
      return fetch(app.dataset.households, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (response.status === 401 || response.redirected) throw new Error("login");
          if (!response.ok) throw new Error("server");
          return response.json();
        }).then(function (data) {
          if (data.user !== user) throw new Error("login");
          return replaceHouseholds(user, data.households).then(function () { return data.csrf; });
        });
    }

    function send(csrf, items) {
      return fetch(app.dataset.sync, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ records: items.map(function (item) { return item.record; }) }),
      }).then(function (response) {
        if (response.status === 401 || response.status === 403) throw new Error("login");
        if (!response.ok) throw new Error("server");
        return response.json();
      }).then(function (data) {
        var byKey = {};
        items.forEach(function (item) { byKey[item.key] = item; });
        return Promise.all(data.results.map(function (result, i) {
          var item = byKey[result.key] || items[i];
          if (result.status === "saved") {
            var open = (result.conflicts || []).some(function (c) { return c.open; });
            return remove("outbox", item.key).then(function () { return open ? "conflict" : "saved"; });
          }
          item.state = "invalid";
          item.message = result.message;
          item.errors = result.errors || {};
          return put("outbox", item).then(function () { return "invalid"; });
        }));
      });
    }

    function sync(explicit) {
      if (syncing || !navigator.onLine) return Promise.resolve();
      syncing = true;
      var outcomes = [];
      return fetchHouseholds().then(function (csrf) {
        return mine(user).then(function (items) {
          var waiting = items.filter(function (item) { return item.state !== "invalid"; });
          if (!waiting.length) return;
          say(strings.syncing);
          var chain = Promise.resolve();
          for (var i = 0; i < waiting.length; i += BATCH) {
            (function (batch) {
              chain = chain.then(function () {
                return send(csrf, batch).then(function (done) { outcomes = outcomes.concat(done); });
              });
            })(waiting.slice(i, i + BATCH));
          }
          return chain;
        });
      }).then(function () {
        var sent = outcomes.filter(function (o) { return o !== "invalid"; }).length;
        if (sent) {
          var conflict = outcomes.indexOf("conflict") !== -1;
          sessionStorage.setItem(FLASH, JSON.stringify(conflict ? [strings.conflict, "warning-emphasis"]
            : [strings.sent + " " + sent, "success"]));
          window.location.reload();  // the board moves the households to "Done"; conflicts show
          return;
        }
        return render().then(function (items) {
          if (explicit === true) say(items.length ? "" : strings.nothing, items.length ? "" : "success");
        });
      }).catch(function (error) {
        say(error.message === "login" ? strings.login : strings.failed, "danger");
      }).then(function () { syncing = false; });
    }

    // A page the service worker did not serve (the first visit, before it took over) is kept by hand.
    var servedByWorker = Boolean(navigator.serviceWorker && navigator.serviceWorker.controller);

    function keepPages() {
      if (!("caches" in window)) return;
      var pages = [app.dataset.form];
      if (!servedByWorker) pages.push(window.location.href);
      caches.open(PAGES_CACHE).then(function (cache) { return cache.addAll(pages); }).catch(function () {});
    }

    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(app.dataset.worker, { scope: app.dataset.scope }).catch(function () {});
    }
    var flash = sessionStorage.getItem(FLASH);
    sessionStorage.removeItem(FLASH);
    window.addEventListener("online", function () { showConnection(); say(""); sync(); });
    window.addEventListener("offline", showConnection);
    document.getElementById("sync-now").addEventListener("click", function () {
      mine(user).then(function (items) {
        items.forEach(function (item) { if (item.state === "invalid") { item.state = "pending"; put("outbox", item); } });
      }).then(function () { return sync(true); });
    });
    var installButton = document.getElementById("install-app");
    var installPrompt = null;
    window.addEventListener("beforeinstallprompt", function (event) {
      event.preventDefault();
      installPrompt = event;
      installButton.classList.remove("d-none");
    });
    installButton.addEventListener("click", function () {
      if (installPrompt) installPrompt.prompt();
      installButton.classList.add("d-none");
    });
    showConnection();
    render().then(function () {
      if (flash) say.apply(null, JSON.parse(flash));
      if (navigator.onLine) { keepPages(); sync(); }
    });
  }

  // --- the offline form ---------------------------------------------------------------------------------------

  function householdId() {
    var params = new URLSearchParams(window.location.search);
    var match = window.location.pathname.match(/\/file\/(\d+)\/new\/$/);
    return parseInt(match ? match[1] : params.get("file"), 10);
  }

  function setValue(form, name, value) {
    form.querySelectorAll('[name="' + name + '"]').forEach(function (input) {
      if (input.type === "checkbox" || input.type === "radio") {
        input.checked = Array.isArray(value) ? value.map(String).indexOf(input.value) !== -1
          : input.type === "checkbox" && input.value === "on" ? Boolean(value) : String(value) === input.value;
      } else {
        input.value = value === null || value === undefined ? "" : value;
      }
    });
  }

  function offlineForm(form) {
    var user = parseInt(form.dataset.user, 10);
    var fileId = householdId();
    var editKey = new URLSearchParams(window.location.search).get("edit");
    var errors = document.getElementById("offline-errors");
    var date = form.querySelector('[name="visited_on"]');
    var household = null;
    var editing = null;

    function fail(messages) {
      errors.replaceChildren();
      messages.forEach(function (m) { errors.append(el("div", "", m)); });
      errors.classList.toggle("d-none", !messages.length);
      if (messages.length) errors.scrollIntoView();
    }

    date.max = today();
    date.value = today();
    Promise.all([get("households", fileId), editKey ? get("outbox", editKey) : null]).then(function (found) {
      household = found[0] && found[0].user === user ? found[0] : null;
      editing = found[1] && found[1].user === user ? found[1] : null;
      if (!household) {
        fail([strings.missing]);
        form.querySelector('[type="submit"]').disabled = true;
        return;
      }
      var line = [household.name, household.unit, household.address, household.phone].filter(Boolean).join(" · ");
      document.getElementById("offline-household").textContent =
        line + " · " + strings.lastVisit + ": " + (household.last_visit || "—");
      setValue(form, "phone", household.phone);
      setValue(form, "address", household.address);
      if (!household.phone_visible || !household.editable) document.getElementById("offline-phone-field").hidden = true;
      if (!household.editable) document.getElementById("offline-contact").hidden = true;
      if (editing) {
        Object.keys(editing.record).forEach(function (name) { setValue(form, name, editing.record[name]); });
        if (editing.message) fail([editing.message]);
      }
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!household) return;
      var data = new FormData(form);
      var problems = [];
      if (!data.get("visited_on")) problems.push(strings.noDate);
      else if (data.get("visited_on") > today()) problems.push(strings.future);
      if (!data.getAll("visitors").length) problems.push(strings.noVisitor);
      if (problems.length) { fail(problems); return; }
      var record = {
        key: editing ? editing.key : newKey(),
        file: household.id,
        version: household.version,
        visitors: data.getAll("visitors"),
        base_phone: household.phone,
        base_address: household.address,
      };
      ["visited_on", "kind", "met", "outcome", "reason", "notes", "condolence_money", "goods"].forEach(function (name) {
        record[name] = data.get(name) || "";
      });
      form.querySelectorAll('input[type="checkbox"][name^="knows_"]').forEach(function (box) { record[box.name] = box.checked; });
      var income = (data.get("household_income") || "").trim();
      if (income) record.household_income = income;
      // What the phone knew of that month's figure: someone else's different figure is then a conflict.
      if (household.income && record.visited_on.slice(0, 7) === household.income_month) record.base_income = household.income;
      if (household.editable) {
        ["phone", "address"].forEach(function (name) {
          var value = (data.get(name) || "").trim();
          var hidden = name === "phone" && !household.phone_visible;
          if (!hidden && value !== (household[name] || "")) record[name] = value;
        });
      }
      var item = { key: record.key, user: user, name: household.name, created: editing ? editing.created : Date.now(),
                   state: "pending", record: record };
      put("outbox", item).then(function () {
        sessionStorage.setItem(FLASH, JSON.stringify([strings.savedHere, "success"]));
        window.location.href = form.dataset.board;
      });
    });
  }

  // At log out the phone forgets the households and the kept pages (visits not yet sent stay, with their author).
  var logout = document.querySelector("form[data-logout]");
  if (logout && "indexedDB" in window) {
    logout.addEventListener("submit", function (event) {
      event.preventDefault();
      var forget = [tx("households", "readwrite", function (s) { s.clear(); })];
      if ("caches" in window) forget.push(caches.delete(PAGES_CACHE));
      Promise.all(forget).catch(function () {}).then(function () { logout.submit(); });
    });
  }

  var app = document.getElementById("offline-app");
  if (app) board(app);
  var form = document.getElementById("offline-form");
  if (form) offlineForm(form);
})();
