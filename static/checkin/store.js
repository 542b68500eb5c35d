// What a door keeps on the device, in IndexedDB: the door list (to decide offline) and the scans waiting to be sent.
// window.DoorStore: small promise helpers over one database; door.js is the only user.
(function () {
  "use strict";
  var NAME = "rendezvous-door";
  var VERSION = 1;
  var opening = null;

  function open() {
    if (!opening) {
      opening = new Promise(function (resolve, reject) {
        var request = indexedDB.open(NAME, VERSION);
        request.onupgradeneeded = function () {
          var db = request.result;
          // lists: one row per door code {code, list, fetchedAt}; queue: scans in the order they were made.
          if (!db.objectStoreNames.contains("lists")) { db.createObjectStore("lists", { keyPath: "code" }); }
          if (!db.objectStoreNames.contains("queue")) {
            db.createObjectStore("queue", { keyPath: "id", autoIncrement: true }).createIndex("door", "door");
          }
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { opening = null; reject(request.error); };
      });
    }
    return opening;
  }

  // Runs work(stores) in one transaction; resolves with what work returned once the transaction is committed.
  function run(names, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(names, mode);
        var stores = {};
        names.forEach(function (name) { stores[name] = tx.objectStore(name); });
        var result = work(stores);
        tx.oncomplete = function () { resolve(result && "value" in result ? result.value : undefined); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  // A box filled by a request's success callback, read once the transaction completes.
  function box(request, transform) {
    var result = { value: undefined };
    request.onsuccess = function () { result.value = transform ? transform(request.result) : request.result; };
    return result;
  }

  window.DoorStore = {
    getList: function (code) {
      return run(["lists"], "readonly", function (s) { return box(s.lists.get(code)); });
    },
    putList: function (code, list, fetchedAt) {
      return run(["lists"], "readwrite", function (s) { s.lists.put({ code: code, list: list, fetchedAt: fetchedAt }); });
    },
    deleteList: function (code) {
      return run(["lists"], "readwrite", function (s) { s.lists.delete(code); });
    },
    // Adds a scan body to the door's queue. `waits` is false for an attempt the device refused: it is sent too
    // (the server records every attempt) but it is not a check-in waiting to be sent.
    enqueue: function (code, scan, waits) {
      return run(["queue"], "readwrite", function (s) { s.queue.add({ door: code, scan: scan, waits: waits !== false }); });
    },
    // The door's waiting scans, oldest first, at most `limit`: [{id, door, scan}].
    queued: function (code, limit) {
      return run(["queue"], "readonly", function (s) {
        return box(s.queue.index("door").getAll(IDBKeyRange.only(code)), function (rows) {
          rows.sort(function (a, b) { return a.id - b.id; });
          return limit ? rows.slice(0, limit) : rows;
        });
      });
    },
    // The door's check-ins waiting to be sent (refused attempts left out).
    countQueued: function (code) {
      return run(["queue"], "readonly", function (s) {
        return box(s.queue.index("door").getAll(IDBKeyRange.only(code)), function (rows) {
          return rows.filter(function (row) { return row.waits !== false; }).length;
        });
      });
    },
    dequeue: function (ids) {
      return run(["queue"], "readwrite", function (s) { ids.forEach(function (id) { s.queue.delete(id); }); });
    },
    // Everything the device holds for this door: the list and the waiting scans.
    wipe: function (code) {
      return run(["lists", "queue"], "readwrite", function (s) {
        s.lists.delete(code);
        var cursor = s.queue.index("door").openKeyCursor(IDBKeyRange.only(code));
        cursor.onsuccess = function () {
          if (cursor.result) { s.queue.delete(cursor.result.primaryKey); cursor.result.continue(); }
        };
      });
    },
  };
})();
