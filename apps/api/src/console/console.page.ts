/** The console's one page. Data never goes through innerHTML: the script only sets textContent. */
export const CONSOLE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>vapi-hooks console</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
  header { display: flex; gap: 1rem; align-items: center; padding: .6rem 1rem; background: #1d2330; color: #fff; }
  header a { color: #9cc3ff; }
  header h1 { font-size: 1rem; margin: 0; flex: 1; }
  main { display: grid; grid-template-columns: minmax(320px, 1fr) 2fr; gap: 1rem; padding: 1rem; }
  section { background: #fff; border: 1px solid #dde1e7; border-radius: 6px; padding: .8rem; min-width: 0; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .3rem .4rem; border-bottom: 1px solid #eef0f3; white-space: nowrap; }
  tbody tr { cursor: pointer; }
  tbody tr:hover, tbody tr.selected { background: #eef4ff; }
  td.id { font-family: ui-monospace, monospace; max-width: 12rem; overflow: hidden; text-overflow: ellipsis; }
  .status { font-weight: 600; }
  #transcript { list-style: none; padding: 0; max-height: 60vh; overflow: auto; }
  #transcript li { padding: .25rem 0; border-bottom: 1px dotted #e3e6ea; }
  #transcript li .role { display: inline-block; width: 5.5rem; color: #5a6475; }
  #token-form { display: none; gap: .5rem; padding: 1rem; }
  #token-form.shown { display: flex; }
  #live { font-size: .8rem; color: #8a93a3; }
  .muted { color: #8a93a3; }
  audio { width: 100%; margin: .5rem 0; }
</style>
</head>
<body>
<header>
  <h1>vapi-hooks console</h1>
  <span id="live">offline</span>
  <a href="/api/docs">API docs</a>
  <a href="/admin/queues" id="board-link">Bull Board</a>
</header>
<form id="token-form">
  <label for="token">Read token</label>
  <input id="token" name="token" type="password" autocomplete="off" size="48" placeholder="vh_... or an API_TOKENS value">
  <button type="submit">Open</button>
  <span id="token-error" class="muted"></span>
</form>
<main>
  <section>
    <h2>Recent calls</h2>
    <table>
      <thead><tr><th>Call</th><th>Status</th><th>Duration</th><th>Started</th></tr></thead>
      <tbody id="calls"></tbody>
    </table>
  </section>
  <section id="call">
    <h2>Call <span id="call-id" class="muted">(choose one)</span></h2>
    <p>Status: <span id="call-status" class="status">-</span> · Duration: <span id="call-duration">-</span></p>
    <p id="call-summary" class="muted"></p>
    <div id="recording"><span class="muted" id="recording-note"></span></div>
    <ol id="transcript"></ol>
  </section>
</main>
<script src="/console/app.js"></script>
</body>
</html>
`;
