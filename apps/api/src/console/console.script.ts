/**
 * The console's script, served as /console/app.js (no build step). The read token stays in
 * sessionStorage and goes only into Authorization headers; EventSource and <audio> use the
 * stream ticket cookie it is traded for (POST /api/stream/tickets), renewed before it expires.
 */
export const CONSOLE_SCRIPT = String.raw`'use strict';
(function () {
  var TOKEN_KEY = 'vapi-hooks.readToken';
  var token = sessionStorage.getItem(TOKEN_KEY) || '';
  var calls = new Map();
  var selected = null;
  var selectedTenant = '';
  var callStream = null;
  var allStream = null;
  var segments = [];
  var renewTimer = null;
  var reloadTimer = null;
  var $ = function (id) { return document.getElementById(id); };

  function headers() { return token ? { authorization: 'Bearer ' + token } : {}; }

  function askForToken(message) {
    $('token-form').classList.add('shown');
    $('token-error').textContent = message || '';
    $('token').focus();
  }

  function api(path, init) {
    init = init || {};
    init.headers = Object.assign({}, headers(), init.headers || {});
    init.credentials = 'same-origin';
    return fetch(path, init).then(function (res) {
      if (res.status === 401) {
        askForToken('The read API needs a valid token.');
        throw new Error('unauthorized');
      }
      if (!res.ok) throw new Error(path + ' answered ' + res.status);
      return res.json();
    });
  }

  /** The ticket cookie for streams and the player; renewed at half its lifetime. */
  function renewTicket() {
    clearTimeout(renewTimer);
    if (!token) return Promise.resolve();
    return api('/api/stream/tickets', { method: 'POST' }).then(function (t) {
      renewTimer = setTimeout(function () { renewTicket().catch(function () {}); },
        Math.max(1000, t.expiresInSeconds * 500));
    });
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return '-';
    var s = Math.round(seconds);
    return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
  }

  function cell(tr, text, cls) {
    var td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
  }

  function renderCalls() {
    var body = $('calls');
    body.textContent = '';
    calls.forEach(function (c) {
      var tr = document.createElement('tr');
      tr.dataset.callId = c.id;
      if (c.id === selected) tr.className = 'selected';
      cell(tr, c.id, 'id');
      cell(tr, c.status || '-', 'status');
      cell(tr, duration(c.durationSeconds));
      cell(tr, c.startedAt ? new Date(c.startedAt).toLocaleTimeString() : '-');
      tr.addEventListener('click', function () { openCall(c.id, c.tenantId || ''); });
      body.appendChild(tr);
    });
  }

  function loadCalls() {
    return api('/api/calls?limit=50').then(function (page) {
      calls = new Map(page.items.map(function (c) { return [c.id, c]; }));
      renderCalls();
    });
  }

  function scheduleReload() {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(function () { loadCalls().catch(function () {}); }, 500);
  }

  function renderTranscript() {
    var list = $('transcript');
    list.textContent = '';
    segments.forEach(function (s) {
      if (!s) return;
      var li = document.createElement('li');
      var role = document.createElement('span');
      role.className = 'role';
      role.textContent = s.role;
      li.appendChild(role);
      li.appendChild(document.createTextNode(s.text));
      list.appendChild(li);
    });
  }

  var KINDS = ['mono', 'stereo', 'assistant', 'customer', 'video'];
  var playing = null;

  /** Puts a player on the page for the most wanted kind stored so far. */
  function showRecording(kind) {
    var rank = function (k) { var i = KINDS.indexOf(k); return i < 0 ? KINDS.length : i; };
    if (playing !== null && rank(playing) <= rank(kind)) return;
    playing = kind;
    var box = $('recording');
    box.textContent = '';
    var audio = document.createElement('audio');
    audio.controls = true;
    audio.preload = 'metadata';
    // Revalidated by ETag (the file's sha256) on every load.
    audio.src = '/api/calls/' + encodeURIComponent(selected) + '/recording?kind=' + encodeURIComponent(kind) +
      (selectedTenant ? '&tenant=' + encodeURIComponent(selectedTenant) : '');
    box.appendChild(audio);
  }

  function showCall(c) {
    $('call-id').textContent = c.id;
    $('call-status').textContent = c.status || '-';
    $('call-duration').textContent = duration(c.durationSeconds);
    $('call-summary').textContent = c.summary || '';
    segments = c.transcript.map(function (t) { return t; });
    playing = null;
    renderTranscript();
    var stored = c.recordings.filter(function (r) { return r.state === 'stored'; });
    if (stored.length > 0) showRecording(stored[0].kind);
    else {
      $('recording').textContent = '';
      var note = document.createElement('span');
      note.className = 'muted';
      note.textContent = c.recordings.length ? 'Recording not fetched yet.' : 'No recording.';
      $('recording').appendChild(note);
    }
  }

  function applyChange(change) {
    var d = change.data;
    if (change.kind === 'status') {
      $('call-status').textContent = d.status || '-';
    } else if (change.kind === 'transcript') {
      if (d.replaced) segments = [];
      d.segments.forEach(function (s) { segments[s.seq] = s; });
      renderTranscript();
    } else if (change.kind === 'summary') {
      $('call-duration').textContent = duration(d.durationSeconds);
      $('call-summary').textContent = d.summary || '';
    } else if (change.kind === 'recording') {
      showRecording(d.kind);
    }
  }

  /**
   * An EventSource that remembers the last event id; when the server refuses it (its ticket
   * expired) it renews the ticket and reopens where it left off.
   */
  function follow(url, on) {
    var last = null;
    var source = null;
    function open() {
      var resume = last ? (url.indexOf('?') < 0 ? '?' : '&') + 'lastEventId=' + last : '';
      source = new EventSource(url + resume);
      ['status', 'transcript', 'summary', 'recording'].forEach(function (kind) {
        source.addEventListener(kind, function (e) {
          last = e.lastEventId || last;
          on.change(JSON.parse(e.data));
        });
      });
      source.addEventListener('reset', function (e) {
        last = e.lastEventId || last;
        on.reset();
      });
      source.addEventListener('ready', function (e) {
        last = e.lastEventId || last;
        $('live').textContent = 'live';
        on.ready();
      });
      source.onerror = function () {
        $('live').textContent = 'reconnecting';
        if (source.readyState === EventSource.CLOSED) {
          setTimeout(function () { renewTicket().then(open, function () {}); }, 1000);
        }
      };
    }
    open();
    return { close: function () { source.close(); } };
  }

  function openAll() {
    if (allStream) allStream.close();
    allStream = follow('/api/stream', {
      change: function (change) {
        var c = calls.get(change.callId);
        if (!c) return scheduleReload();
        if (change.kind === 'status') c.status = change.data.status;
        if (change.kind === 'summary') c.durationSeconds = change.data.durationSeconds;
        renderCalls();
      },
      reset: scheduleReload,
      ready: function () {},
    });
  }

  function openCall(id, tenant) {
    selected = id;
    selectedTenant = tenant;
    // Names the tenant: a VAPI id may exist under several (operators).
    var scope = tenant ? '?tenant=' + encodeURIComponent(tenant) : '';
    renderCalls();
    if (callStream) callStream.close();
    var loaded = false;
    function reload() {
      return api('/api/calls/' + encodeURIComponent(id) + scope).then(function (c) {
        if (selected === id) showCall(c);
      });
    }
    // Stream first, then read the call: nothing committed in between is missed, and a segment
    // seen twice lands on the same seq.
    callStream = follow('/api/calls/' + encodeURIComponent(id) + '/stream' + scope, {
      change: function (change) { if (selected === id) applyChange(change); },
      reset: reload,
      ready: function () {
        if (!loaded) { loaded = true; reload(); }
      },
    });
  }

  function start() {
    $('token-form').classList.remove('shown');
    return renewTicket().then(loadCalls).then(openAll).catch(function (e) {
      if (e.message !== 'unauthorized') $('live').textContent = e.message;
    });
  }

  $('token-form').addEventListener('submit', function (e) {
    e.preventDefault();
    token = $('token').value.trim();
    sessionStorage.setItem(TOKEN_KEY, token);
    start();
  });

  start();
})();
`;
