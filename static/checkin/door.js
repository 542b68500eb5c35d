// The door page: reads QR codes (camera, handheld scanner, typed), asks the server (docs/door-protocol.md) and shows
// the answer big; offline, decides against the door list kept in IndexedDB (store.js) and sends the scans later.
// Every sentence comes from the page (#door-config, translated by the server); nothing here is in one language.
(function () {
  "use strict";

  // The page as the server sent it, before this script changes anything: the offline copy of a first visit.
  var pageAsLoaded = "<!doctype html>\n" + document.documentElement.outerHTML;
  var config = JSON.parse(document.getElementById("door-config").textContent);
  var M = config.messages;
  var plurals = new Intl.PluralRules(config.language);
  var store = window.DoorStore;

  var CAMERA_REPEAT_MS = 3000; // the same code seen again by the camera within this time is the same scan
  var SCAN_TIMEOUT_MS = 4000; // no answer by then: decide on the device, send later with the same nonce
  var PROBE_MS = 10000; // while the server is unreachable, try it this often
  var LIST_REFRESH_MS = 60000;
  var COUNTS_REFRESH_MS = 20000;
  var ANSWER_MS = { ok: 2500, refused: 6000 };
  var SYNC_BATCH = 500;

  var $ = function (id) { return document.getElementById(id); };
  var el = {
    status: $("door-status"), listStatus: $("list-status"),
    inside: $("count-inside"), checkedIn: $("count-checked-in"), expected: $("count-expected"),
    video: $("door-video"), cameraNote: $("camera-note"), cameraToggle: $("camera-toggle"),
    codeForm: $("code-form"), codeInput: $("code-input"),
    searchInput: $("search-input"), searchHint: $("search-hint"), searchResults: $("search-results"),
    last: $("door-last"), lastName: $("last-name"), undo: $("undo-button"), wipe: $("wipe-button"),
    answer: $("door-answer"), answerMessage: $("answer-message"), answerAnswers: $("answer-answers"),
    answerHistory: $("answer-history"), answerNote: $("answer-note"), answerConflict: $("answer-conflict"),
    answerUndo: $("answer-undo"), answerNext: $("answer-next"), answerStatus: $("answer-status"),
    dialog: $("door-confirm"), confirmQuestion: $("confirm-question"), confirmDetail: $("confirm-detail"),
    confirmOk: $("confirm-ok"),
  };

  var state = {
    device: deviceId(),
    list: null, // the door list from the server, updated by this device's own scans
    byHash: new Map(),
    fetchedAt: null,
    waiting: 0, // scans in the queue
    reachable: true, // the last request reached the server
    lastAdmission: null, // {checkin, name}
    lastCameraCode: "", lastCameraAt: 0,
    answerTimer: null, probeTimer: null,
    chain: Promise.resolve(), // scans are decided one after the other, in the order they were made
    flushing: null,
    syncedNote: "",
  };

  // ---- small helpers ----

  function fill(template, values) {
    return String(template || "").replace(/%\((\w+)\)s/g, function (_, key) {
      return values[key] === undefined || values[key] === null ? "" : String(values[key]);
    });
  }

  function plural(entry, count, values) {
    var template = entry[plurals.select(count)] || entry.other;
    return fill(template, Object.assign({ count: count.toLocaleString(config.language) }, values || {}));
  }

  function randomId(prefix) {
    if (window.crypto && crypto.randomUUID) { return prefix + crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return prefix + Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  function deviceId() {
    var key = "rendezvous-door-device";
    var id = null;
    try { id = localStorage.getItem(key); } catch (e) { /* private mode: a new id per visit is fine */ }
    if (!id) {
      id = randomId("d-");
      try { localStorage.setItem(key, id); } catch (e) { /* see above */ }
    }
    return id;
  }

  function csrfToken() {
    var match = document.cookie.match(new RegExp("(?:^|; )" + config.csrfCookie + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : config.csrf;
  }

  function timeOfDay(iso) {
    if (!iso) { return ""; }
    try {
      return new Date(iso).toLocaleTimeString(config.language, { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: config.timeZone });
    } catch (e) {
      return new Date(iso).toLocaleTimeString(config.language, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    }
  }

  function sha256Hex(text) {
    return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)).then(function (buffer) {
      return Array.from(new Uint8Array(buffer), function (b) { return b.toString(16).padStart(2, "0"); }).join("");
    });
  }

  function fold(text) { // accent- and case-insensitive search on the device
    return String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function message(key, values) {
    var templates = (state.list && state.list.messages) || {};
    var template = templates[key] || M.reasons[key] || key;
    return fill(template, values || {});
  }

  // ---- talking to the server ----

  function NetworkError(why) { this.message = why; }

  // fetch with a time limit; a failure to reach the server (or a 5xx from a proxy) is a NetworkError.
  // With the door token the server skips the session, user, door and role queries. A token it refuses
  // (expired in a copy of the page kept offline for long, or the door's link renewed) is dropped, and the
  // same request goes again on the session alone.
  function request(method, path, body, timeout) {
    return send(method, path, body, timeout, Boolean(config.token)).then(function (result) {
      if (result.status === 403 && result.data && result.data.reason === "token" && config.token) {
        config.token = null;
        return send(method, path, body, timeout, false);
      }
      return result;
    });
  }

  function send(method, path, body, timeout, withToken) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, timeout || SCAN_TIMEOUT_MS);
    var options = { method: method, credentials: "same-origin", signal: controller.signal, headers: { Accept: "application/json" } };
    if (withToken) { options.headers["X-Door-Token"] = config.token; }
    if (body !== undefined) {
      options.body = JSON.stringify(body);
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRFToken"] = csrfToken();
    }
    if (!navigator.onLine) { clearTimeout(timer); return Promise.reject(new NetworkError("offline")); }
    return fetch(config.base + path, options).then(function (response) {
      clearTimeout(timer);
      if (response.status >= 500) { throw new NetworkError("status " + response.status); }
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        // An HTML page: the login page after a redirect (the session is over), or something in the way.
        var key = response.redirected ? "signed_out" : "server_error";
        return { status: response.status, data: { ok: false, reason: key, message: M[key] } };
      }
      return response.json().then(function (data) {
        setReachable(true);
        return { status: response.status, data: data };
      });
    }, function (error) {
      clearTimeout(timer);
      throw new NetworkError(String(error));
    });
  }

  function setReachable(reachable) {
    if (state.reachable === reachable) { return; }
    state.reachable = reachable;
    if (!reachable && !state.probeTimer) {
      state.probeTimer = setInterval(probe, PROBE_MS);
    }
    if (reachable) {
      clearInterval(state.probeTimer);
      state.probeTimer = null;
      flushQueue().then(refreshList, function () {});
    }
    renderStatus();
  }

  function isOffline() { return !navigator.onLine || !state.reachable; }

  function probe() {
    request("GET", "counts", undefined, SCAN_TIMEOUT_MS).then(function (result) {
      if (result.status === 200) { renderCounts(result.data); }
    }, function () {});
  }

  // ---- the door list on the device ----

  function useList(list, fetchedAt) {
    state.list = list;
    state.fetchedAt = fetchedAt;
    state.byHash = new Map();
    (list.tickets || []).forEach(function (ticket) { state.byHash.set(ticket.h, ticket); });
    if (list.counts) { renderCounts(list.counts); }
    renderListStatus();
  }

  function loadStoredList() {
    return store.getList(config.code).then(function (row) {
      if (!row) { return; }
      if (expired(row.list)) { return store.deleteList(config.code); }
      useList(row.list, row.fetchedAt);
    });
  }

  function expired(list) {
    return list && list.wipe_after && Date.now() > Date.parse(list.wipe_after);
  }

  function refreshList() {
    if (isOffline() || state.wiped) { return Promise.resolve(); }
    return request("GET", "list", undefined, 15000).then(function (result) {
      if (result.status !== 200 || !result.data.tickets) { return; }
      var list = result.data;
      if (expired(list)) { return store.deleteList(config.code).then(function () { state.list = null; renderListStatus(); }); }
      // Scans still waiting are not in the server's list yet: play them again on top of it.
      return store.queued(config.code).then(function (rows) {
        var fetchedAt = new Date().toISOString();
        useList(list, fetchedAt);
        return rows.reduce(function (previous, row) {
          return previous.then(function () { return decideOnDevice(row.scan); });
        }, Promise.resolve()).then(function () { return store.putList(config.code, state.list, fetchedAt); });
      });
    }, function () { setReachable(false); });
  }

  function wipeIfOver() {
    if (state.list && expired(state.list)) {
      state.list = null;
      state.byHash = new Map();
      store.deleteList(config.code).then(renderListStatus);
    }
  }

  // ---- deciding a scan ----

  // A scan body as the protocol has it; the nonce stays with it through retries and the offline queue.
  function newScan(fields) {
    return Object.assign({
      device: state.device, nonce: randomId("n-"), code: null, ticket: null, kind: currentKind(),
      method: "camera", scanned_at: new Date().toISOString(), offline: false,
    }, fields);
  }

  function currentKind() {
    var checked = document.querySelector("input[name=kind]:checked");
    return checked ? checked.value : "entry";
  }

  function submit(scan) {
    state.chain = state.chain.then(function () { return decide(scan); }).catch(function (error) {
      console.warn("door: scan not decided", error);
      showAnswer({ ok: false, reason: "", message: M.server_error }, scan);
    });
    return state.chain;
  }

  function decide(scan) {
    if (isOffline()) { return decideOffline(scan); }
    // Waiting offline scans go first, so the server sees the scans in the order they were made.
    var send = state.waiting ? flushQueue().catch(function (error) {
      if (error instanceof NetworkError) { throw error; }
      console.warn("door: waiting scans not sent", error);
    }) : Promise.resolve();
    return send.then(function () { return request("POST", "scan", scan); }).then(function (result) {
      var answer = result.data || {};
      if (!("ok" in answer)) { answer = { ok: false, reason: "", message: M.server_error }; }
      if (result.status === 403) { answer.message = answer.message || M.not_allowed; }
      showAnswer(answer, scan);
      if (answer.counts) { renderCounts(answer.counts); }
      if (answer.ok) { return rememberOnDevice(scan, answer); }
    }, function (error) {
      if (!(error instanceof NetworkError)) { throw error; }
      setReachable(false);
      return decideOffline(scan);
    });
  }

  function decideOffline(scan) {
    scan.offline = true;
    var admitted = false;
    return decideOnDevice(scan).then(function (answer) {
      showAnswer(answer, scan);
      admitted = Boolean(answer.ok);
      // A refused attempt is sent too, to be recorded, but only what the device let through is "waiting".
      return store.enqueue(config.code, scan, admitted);
    }).then(function () {
      if (admitted) { state.waiting += 1; }
      renderStatus();
      if (state.list) { return store.putList(config.code, state.list, state.fetchedAt); }
    });
  }

  function findTicket(scan) {
    if (!state.list) { return Promise.resolve(undefined); }
    if (scan.ticket !== null && scan.ticket !== undefined) {
      return Promise.resolve((state.list.tickets || []).find(function (t) { return t.id === scan.ticket; }));
    }
    return sha256Hex(scan.code || "").then(function (h) { return state.byHash.get(h); });
  }

  // Decides as the server would, from the door list and this device's own scans; updates the list in memory.
  function decideOnDevice(scan) {
    return findTicket(scan).then(function (ticket) {
      if (!state.list) { return { ok: false, reason: "", message: M.offline_no_list }; }
      var door = state.list.door ? state.list.door.name : "";
      if (!ticket) { return { ok: false, reason: "unknown", message: message("unknown") }; }
      // What the volunteer calls out, as the server says it: "Camille" for "Camille Martin".
      var values = { name: String(ticket.name || "").trim().split(/\s+/)[0], ticket_type: ticket.type, door: door };
      if (ticket.state && ticket.state !== "ok") {
        return { ok: false, reason: ticket.state, message: message(ticket.state, values) };
      }
      var counts = state.list.counts || (state.list.counts = { inside: 0, checked_in: 0, expected: 0 });
      if (scan.kind === "exit") {
        if (!ticket.inside) { return { ok: false, reason: "not_inside", message: message("not_inside", values) }; }
        ticket.inside = false;
        counts.inside = Math.max(0, counts.inside - 1);
        renderCounts(counts);
        return { ok: true, reason: "", message: message("exit", values), holder: ticket.name };
      }
      if (ticket.inside) {
        var when = timeOfDay(ticket.checked_in_at);
        var who = ticket.checked_in_by;
        var key = who ? "already_checked_in" : "already_checked_in_nobody";
        return { ok: false, reason: "already_checked_in", message: message(key, Object.assign(values, { time: when, who: who })) };
      }
      if (!ticket.checked_in_at) {
        counts.checked_in += 1;
        ticket.checked_in_at = scan.scanned_at;
        ticket.checked_in_by = config.user;
      }
      ticket.inside = true;
      counts.inside += 1;
      renderCounts(counts);
      return {
        ok: true, reason: "", message: message("welcome", values), holder: ticket.name, ticket_type: ticket.type,
        answers: ticket.answers, history: ticket.history, note: ticket.note,
      };
    });
  }

  // After the server admitted (or let out) a ticket, the device's list says so too, for when the network drops.
  function rememberOnDevice(scan, answer) {
    return findTicket(scan).then(function (ticket) {
      if (!ticket) { return; }
      if (scan.kind === "exit") {
        ticket.inside = false;
      } else {
        ticket.inside = true;
        if (!ticket.checked_in_at) {
          ticket.checked_in_at = scan.scanned_at;
          ticket.checked_in_by = config.user;
        }
      }
      if (answer.counts) { state.list.counts = answer.counts; }
      return store.putList(config.code, state.list, state.fetchedAt);
    });
  }

  // ---- sending the offline scans ----

  function flushQueue() {
    if (state.flushing) { return state.flushing; }
    var sent = 0;
    var conflicts = 0;
    var refused = 0;
    function batch() {
      return store.queued(config.code, SYNC_BATCH).then(function (rows) {
        if (!rows.length) { return; }
        var body = { device: state.device, scans: rows.map(function (row) { return row.scan; }) };
        return request("POST", "sync", body, 30000).then(function (result) {
          if (result.status !== 200 || !Array.isArray(result.data.results)) {
            throw new NetworkError("sync refused: " + result.status);
          }
          var waited = new Set(rows.filter(function (row) { return row.waits !== false; })
            .map(function (row) { return row.scan.nonce; }));
          var answered = new Set(result.data.results.map(function (r) { return r.nonce; }));
          result.data.results.forEach(function (r) {
            if (r.conflict) { conflicts += 1; }
            // News only when the server refuses what the device had let through.
            if (r.ok === false && waited.has(r.nonce)) { refused += 1; }
          });
          var done = rows.filter(function (row) { return answered.has(row.scan.nonce); });
          var doneWaiting = done.filter(function (row) { return row.waits !== false; }).length;
          sent += doneWaiting;
          var last = result.data.results[result.data.results.length - 1];
          if (last && last.counts) { renderCounts(last.counts); }
          return store.dequeue(done.map(function (row) { return row.id; })).then(function () {
            state.waiting = Math.max(0, state.waiting - doneWaiting);
            renderStatus();
            if (done.length === rows.length) { return batch(); }
          });
        });
      });
    }
    state.flushing = batch().then(function () {
      if (sent) {
        state.syncedNote = [plural(M.synced, sent), refused ? plural(M.synced_refused, refused) : "", conflicts ? M.conflict : ""]
          .filter(Boolean).join(" · ");
        renderStatus();
      }
    }, function (error) {
      if (error instanceof NetworkError) { setReachable(false); }
      throw error;
    }).finally(function () {
      state.flushing = null;
      return countWaiting();
    });
    return state.flushing;
  }

  function countWaiting() {
    return store.countQueued(config.code).then(function (count) { state.waiting = count; renderStatus(); });
  }

  // ---- what the volunteer sees and hears ----

  function renderStatus() {
    var offline = isOffline();
    var text;
    if (offline && state.waiting) { text = plural(M.offline_waiting, state.waiting); }
    else if (offline) { text = state.list ? M.offline : M.offline_no_list; }
    else if (state.waiting) { text = plural(M.online_waiting, state.waiting); }
    else { text = state.syncedNote ? M.online + " · " + state.syncedNote : M.online; }
    el.status.textContent = text;
    el.status.dataset.state = offline ? "offline" : "online";
    // The answer covers the screen: it repeats the offline line, which must stay in sight.
    el.answerStatus.textContent = offline ? text : "";
    el.answerStatus.hidden = !offline;
  }

  function renderListStatus() {
    if (!state.list) { el.listStatus.textContent = ""; return; }
    var count = (state.list.tickets || []).length;
    el.listStatus.textContent = plural(M.list_stored, count, { time: timeOfDay(state.fetchedAt) });
  }

  function renderCounts(counts) {
    if (!counts) { return; }
    el.inside.textContent = Number(counts.inside || 0).toLocaleString(config.language);
    el.checkedIn.textContent = Number(counts.checked_in || 0).toLocaleString(config.language);
    el.expected.textContent = Number(counts.expected || 0).toLocaleString(config.language);
  }

  function showAnswer(answer, scan) {
    clearTimeout(state.answerTimer);
    var ok = Boolean(answer.ok);
    el.answer.dataset.ok = answer.info ? "info" : ok ? "yes" : "no";
    el.answer.dataset.kind = scan ? scan.kind : "entry";
    el.answerMessage.textContent = answer.message || (ok ? "" : M.server_error);
    el.answerAnswers.replaceChildren.apply(el.answerAnswers, (ok && answer.answers || []).map(function (item) {
      var li = document.createElement("li");
      var label = document.createElement("span");
      label.className = "door-answer__label";
      label.textContent = item.label + " ";
      var value = document.createElement("strong");
      value.textContent = item.value;
      li.append(label, value);
      return li;
    }));
    setText(el.answerHistory, ok ? answer.history : "");
    setText(el.answerNote, ok ? answer.note : "");
    setText(el.answerConflict, answer.conflict ? M.conflict : "");
    var undoable = ok && answer.checkin && (!scan || scan.kind === "entry");
    el.answerUndo.hidden = !undoable;
    if (undoable) {
      state.lastAdmission = { checkin: answer.checkin, name: answer.holder || "" };
      el.lastName.textContent = answer.holder || "";
      el.last.hidden = false;
    }
    el.answer.hidden = false;
    if (!answer.info) { signal(ok); }
    state.answerTimer = setTimeout(hideAnswer, ok ? ANSWER_MS.ok : ANSWER_MS.refused);
  }

  function setText(node, text) {
    node.textContent = text || "";
    node.hidden = !text;
  }

  function hideAnswer() {
    clearTimeout(state.answerTimer);
    el.answer.hidden = true;
  }

  var audio = null;
  function unlockAudio() { // browsers start sound only after a touch or a key
    if (!audio && (window.AudioContext || window.webkitAudioContext)) {
      audio = new (window.AudioContext || window.webkitAudioContext)();
    }
    if (audio && audio.state === "suspended") { audio.resume(); }
  }

  function tone(frequency, start, duration, type) {
    var oscillator = audio.createOscillator();
    var gain = audio.createGain();
    oscillator.type = type;
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, audio.currentTime + start);
    gain.gain.exponentialRampToValueAtTime(0.4, audio.currentTime + start + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + start + duration);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start(audio.currentTime + start);
    oscillator.stop(audio.currentTime + start + duration + 0.02);
  }

  function signal(ok) {
    if (audio && audio.state === "running") {
      if (ok) { tone(880, 0, 0.09, "sine"); tone(1320, 0.1, 0.14, "sine"); } // a bright "ding-ding"
      else { tone(220, 0, 0.18, "square"); tone(180, 0.22, 0.3, "square"); } // a low double buzz
    }
    // Browsers refuse (and complain) to vibrate before the first touch or key on the page.
    var touched = !navigator.userActivation || navigator.userActivation.hasBeenActive;
    if (navigator.vibrate && touched) { navigator.vibrate(ok ? 80 : [200, 100, 200, 100, 200]); }
  }

  function ask(question, detail, okLabel) {
    el.confirmQuestion.textContent = question;
    el.confirmDetail.textContent = detail || "";
    el.confirmOk.textContent = okLabel;
    el.dialog.returnValue = "";
    return new Promise(function (resolve) {
      el.dialog.addEventListener("close", function () { resolve(el.dialog.returnValue === "ok"); }, { once: true });
      el.dialog.showModal();
    });
  }

  // ---- the camera ----

  var camera = { stream: null, detector: null, running: false };

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = function () { reject(new Error("could not load " + src)); };
      document.head.append(script);
    });
  }

  // The browser's own detector where it reads QR codes, else ZXing compiled to WebAssembly, from our static files.
  function makeDetector() {
    var native = "BarcodeDetector" in window
      ? window.BarcodeDetector.getSupportedFormats().catch(function () { return []; })
      : Promise.resolve([]);
    return native.then(function (formats) {
      if (formats.indexOf("qr_code") !== -1) { return new window.BarcodeDetector({ formats: ["qr_code"] }); }
      var loaded = window.BarcodeDetectionAPI ? Promise.resolve() : loadScript(config.decoder);
      return loaded.then(function () {
        var api = window.BarcodeDetectionAPI;
        var wasm = new URL(config.wasm, window.location.href).href;
        return api.prepareZXingModule({
          overrides: {
            locateFile: function (path, prefix) { return path.endsWith(".wasm") ? wasm : prefix + path; },
          },
          fireImmediately: true,
        }).then(function () { return new api.BarcodeDetector({ formats: ["qr_code"] }); });
      });
    });
  }

  function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { return cameraFailed("camera_missing"); }
    el.cameraNote.hidden = true;
    var constraints = { audio: false, video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } } };
    return navigator.mediaDevices.getUserMedia(constraints).then(function (stream) {
      camera.stream = stream;
      el.video.srcObject = stream;
      return el.video.play();
    }).then(function () {
      document.body.classList.add("door--camera");
      el.cameraToggle.textContent = el.cameraToggle.dataset.stop;
      return camera.detector || makeDetector().then(function (detector) { camera.detector = detector; }, function (error) {
        console.warn("door: no QR decoder", error);
        cameraFailed("decoder_failed");
        throw error;
      });
    }, function (error) {
      var name = error && error.name;
      cameraFailed(name === "NotAllowedError" ? "camera_denied" : name === "NotFoundError" ? "camera_missing" : "camera_failed");
      throw error;
    }).then(function () {
      camera.running = true;
      detectLoop();
    }).catch(function () {});
  }

  function stopCamera() {
    camera.running = false;
    if (camera.stream) { camera.stream.getTracks().forEach(function (track) { track.stop(); }); }
    camera.stream = null;
    el.video.srcObject = null;
    document.body.classList.remove("door--camera");
    el.cameraToggle.textContent = el.cameraToggle.dataset.start;
  }

  function cameraFailed(key) {
    stopCamera();
    el.cameraNote.textContent = M[key];
    el.cameraNote.hidden = false;
  }

  function detectLoop() {
    if (!camera.running) { return; }
    if (document.hidden || el.video.readyState < 2) { setTimeout(detectLoop, 250); return; }
    camera.detector.detect(el.video).then(function (codes) {
      var now = Date.now();
      var code = codes.length ? codes[0].rawValue : "";
      if (code) {
        var repeat = code === state.lastCameraCode && now - state.lastCameraAt < CAMERA_REPEAT_MS;
        state.lastCameraCode = code;
        state.lastCameraAt = now;
        if (!repeat) { submit(newScan({ code: code, method: "camera" })); }
      }
    }, function (error) {
      console.warn("door: decoding failed", error);
    }).then(function () { setTimeout(detectLoop, 120); });
  }

  // ---- search ----

  var searchTimer = null;
  var searchSeq = 0;

  function search() {
    var query = el.searchInput.value.trim();
    var seq = ++searchSeq;
    if (query.length < 3) {
      el.searchResults.replaceChildren();
      el.searchHint.textContent = query ? M.search_short : "";
      return;
    }
    var found = isOffline()
      ? Promise.reject(new NetworkError("offline"))
      : request("GET", "search?q=" + encodeURIComponent(query)).then(function (result) {
        if (result.status !== 200) { return { results: [], message: result.data.message }; }
        return result.data;
      });
    found.catch(function (error) {
      if (!(error instanceof NetworkError)) { throw error; }
      return searchOnDevice(query);
    }).then(function (data) {
      if (seq !== searchSeq) { return; } // a newer query is on its way
      var results = data.results || [];
      el.searchHint.textContent = data.message || (results.length ? data.note || "" : M.search_none);
      el.searchResults.replaceChildren.apply(el.searchResults, results.map(searchResult));
    });
  }

  function searchOnDevice(query) {
    var words = fold(query).split(/\s+/).filter(Boolean);
    var results = (state.list && state.list.tickets || []).filter(function (ticket) {
      var name = fold(ticket.name);
      return words.every(function (word) { return name.indexOf(word) !== -1; });
    }).slice(0, 20).map(function (ticket) {
      return { ticket: ticket.id, name: ticket.name, type: ticket.type, state: ticket.state, checked_in_at: ticket.inside ? ticket.checked_in_at : null };
    });
    return { results: results, note: M.search_offline };
  }

  function searchResult(result) {
    var li = document.createElement("li");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "door-search__result";
    var name = document.createElement("strong");
    name.textContent = result.name;
    var detail = document.createElement("span");
    var notes = [result.type];
    if (result.state && result.state !== "ok") { notes.push(message(result.state, { name: result.name, ticket_type: result.type, door: "" })); }
    if (result.checked_in_at) { notes.push(fill(M.already_checked_in_short, { time: timeOfDay(result.checked_in_at) })); }
    detail.textContent = notes.join(" · ");
    button.append(name, detail);
    button.addEventListener("click", function () {
      var exit = currentKind() === "exit";
      ask(fill(exit ? M.exit_confirm : M.admit_confirm, { name: result.name }), result.type, exit ? M.let_out : M.admit).then(function (yes) {
        if (!yes) { return; }
        el.searchInput.value = "";
        el.searchResults.replaceChildren();
        el.searchHint.textContent = "";
        submit(newScan({ ticket: result.ticket, method: "search" }));
      });
    });
    li.append(button);
    return li;
  }

  // ---- undo, wipe ----

  function undo() {
    var last = state.lastAdmission;
    if (!last) { return; }
    hideAnswer();
    request("POST", "undo", { checkin: last.checkin }).then(function (result) {
      var answer = result.data || {};
      if (result.status === 200 && answer.ok !== false) {
        state.lastAdmission = null;
        el.last.hidden = true;
        if (answer.counts) { renderCounts(answer.counts); }
        showAnswer({ ok: false, info: true, message: answer.message || M.undo_done });
        refreshList();
      } else {
        showAnswer({ ok: false, reason: answer.reason, message: answer.message || M.undo_failed });
      }
    }, function () { showAnswer({ ok: false, reason: "", message: M.undo_failed }); });
  }

  function wipe() {
    var question = state.waiting ? plural(M.wipe_waiting, state.waiting) : M.wipe_confirm;
    ask(question, "", M.wipe).then(function (yes) {
      if (!yes) { return; }
      if (window.caches) { caches.open("rendezvous-door-pages").then(function (c) { return c.delete(window.location.pathname); }); }
      return store.wipe(config.code).then(function () {
        state.list = null;
        state.byHash = new Map();
        state.waiting = 0;
        state.wiped = true; // until the page is opened again: the volunteer is done with this door
        renderStatus();
        el.listStatus.textContent = M.wiped;
      });
    });
  }

  // ---- wiring ----

  el.codeForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var code = el.codeInput.value.trim();
    el.codeInput.value = "";
    if (code) { submit(newScan({ code: code, method: "scanner" })); }
  });
  // A handheld scanner types wherever the focus is: keys typed outside any field go to the code field.
  document.addEventListener("keydown", function (event) {
    unlockAudio();
    var target = event.target;
    var inField = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT");
    if (!inField && !el.dialog.open && event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey) {
      el.codeInput.focus();
    }
  });
  document.addEventListener("pointerdown", unlockAudio);
  el.searchInput.addEventListener("input", function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(search, 250);
  });
  el.answer.addEventListener("click", function (event) { if (event.target !== el.answerUndo) { hideAnswer(); } });
  el.answerNext.addEventListener("click", hideAnswer);
  el.answerUndo.addEventListener("click", undo);
  el.undo.addEventListener("click", undo);
  el.wipe.addEventListener("click", wipe);
  el.cameraToggle.addEventListener("click", function () { if (camera.running) { stopCamera(); } else { startCamera(); } });
  window.addEventListener("online", function () {
    if (state.reachable) { flushQueue().then(refreshList, function () {}); } else { setReachable(true); }
    renderStatus();
  });
  window.addEventListener("offline", function () { renderStatus(); });

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(config.serviceWorker, { scope: config.scope }).then(function () {
      // This first visit came before the worker: keep the page as it arrived (later visits the worker keeps itself).
      if (!navigator.serviceWorker.controller && window.caches) {
        var copy = new Response(pageAsLoaded, { headers: { "Content-Type": "text/html; charset=utf-8" } });
        return caches.open("rendezvous-door-pages").then(function (cache) { return cache.put(window.location.pathname, copy); });
      }
    }).then(function () { return navigator.serviceWorker.ready; }).then(function () {
      document.body.dataset.offlineCopy = "yes"; // page, script and decoder kept on the device
    }).catch(function (error) {
      console.warn("door: no service worker", error);
    });
  }
  if (window.matchMedia("(pointer: fine)").matches) { el.codeInput.focus(); }

  renderStatus();
  loadStoredList().catch(function (error) { console.warn("door: no stored list", error); })
    .then(countWaiting)
    .then(function () { return isOffline() ? null : flushQueue().catch(function () {}); })
    .then(refreshList)
    .then(function () { document.body.dataset.ready = "yes"; });
  setInterval(function () { wipeIfOver(); refreshList(); }, LIST_REFRESH_MS);
  setInterval(function () { if (!isOffline() && !document.hidden) { probe(); } }, COUNTS_REFRESH_MS);
  startCamera();
})();
