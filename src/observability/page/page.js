// The status page: plain browser JavaScript, no framework, nothing fetched but this service's
// own answers. Every piece of outside text is set with textContent, never as markup.
'use strict';

(() => {
  const TOKEN_KEY = 'delaytask-token';
  const REFRESH_MS = 1000;
  const CHART_SECONDS = 300;
  const byId = (id) => document.getElementById(id);
  /** What each table shows now, as JSON: a table is redrawn only when it changed (a click on a
   * button must not land on a row that was just replaced). */
  const shown = new Map();
  let timer;

  class NeedsToken extends Error {}

  async function call(path, init = {}) {
    const headers = { ...(init.headers || {}) };
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await fetch(path, { ...init, headers, cache: 'no-store' });
    if (response.status === 401) throw new NeedsToken();
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error(
        body.message ? `${path}: ${body.message}` : `${path} answered ${response.status}`,
      );
    }
    return body;
  }

  async function refresh() {
    clearTimeout(timer);
    try {
      const [stats, failed, data] = await Promise.all([
        call('stats'),
        call('tasks?state=failed&limit=50'),
        call('status/data'),
      ]);
      // Shown first: the chart takes its size from the page as laid out.
      byId('login').hidden = true;
      byId('status').hidden = false;
      showCounts(stats);
      showLateness(data);
      showInstances(data.instances);
      showFailed(failed.tasks);
      showDeadLetters(data.deadLetters);
      problem('');
      byId('updated').textContent = `updated ${clock(Date.now())}`;
    } catch (error) {
      if (error instanceof NeedsToken) return askForToken();
      problem(`Cannot refresh: ${error.message}`);
    }
    if (!document.hidden) timer = setTimeout(refresh, REFRESH_MS);
  }

  function askForToken() {
    const hadOne = sessionStorage.getItem(TOKEN_KEY) !== null;
    byId('login-why').textContent = hadOne
      ? 'That token was refused. Enter the admin token (DELAYTASK_HTTP_TOKEN).'
      : 'This deployment asks for its admin token (DELAYTASK_HTTP_TOKEN).';
    byId('status').hidden = true;
    byId('login').hidden = false;
    byId('token').focus();
  }

  /** Why the page cannot refresh: cleared once it can. */
  function problem(text) {
    byId('problem').textContent = text;
    byId('problem').hidden = text === '';
  }

  /** What became of the last Requeue or Cancel: kept until the next one. */
  function notice(text) {
    byId('notice').textContent = text;
    byId('notice').hidden = false;
  }

  function showCounts(stats) {
    for (const cell of document.querySelectorAll('[data-count]')) {
      const value = stats[cell.dataset.count];
      cell.textContent = cell.dataset.count === 'oldestDueLagMs' ? duration(value) : String(value);
    }
  }

  function showInstances(instances) {
    fill('instances', instances, (instance) => [
      text(instance.id),
      text(`${instance.running} / ${instance.concurrency}`),
      text(String(instance.claimed)),
      text(clock(instance.startedAt)),
      text(`${duration(Date.now() - instance.at)} ago`),
    ]);
  }

  function showFailed(tasks) {
    fill('failed', tasks, (task) => [
      text(task.id, 'text'),
      text(task.name),
      text(task.finishedAt ? clock(Date.parse(task.finishedAt)) : ''),
      text(String(task.attempt)),
      text(task.lastError || '', 'text'),
      actions(task.id),
    ]);
  }

  function showDeadLetters(entries) {
    fill('dead', entries, (entry) => [
      text(entry.at ? clock(Date.parse(entry.at)) : ''),
      text(entry.reason, 'text'),
      text(entry.id || ''),
      text(entry.message, 'text'),
    ]);
  }

  /** Replaces a table's rows, unless they would be the same. */
  function fill(tableId, items, cells) {
    const json = JSON.stringify(items);
    if (shown.get(tableId) === json) return;
    shown.set(tableId, json);
    const table = byId(tableId);
    const labels = [...table.tHead.rows[0].cells].map((header) => header.textContent);
    const rows = items.map((item) => {
      const row = document.createElement('tr');
      row.append(...cells(item));
      // On a phone each cell shows its column's name (CSS: td[data-label]::before).
      [...row.cells].forEach((cell, i) => labels[i] && (cell.dataset.label = labels[i]));
      return row;
    });
    if (rows.length === 0) rows.push(emptyRow(labels.length));
    const body = table.tBodies[0];
    body.replaceChildren(...rows);
  }

  function emptyRow(columns) {
    const row = document.createElement('tr');
    const cell = text('none', 'empty');
    cell.colSpan = columns;
    row.append(cell);
    return row;
  }

  function text(value, className) {
    const cell = document.createElement('td');
    cell.textContent = value;
    if (className) cell.className = className;
    return cell;
  }

  function actions(id) {
    const cell = document.createElement('td');
    cell.className = 'actions';
    for (const [action, label] of [
      ['requeue', 'Requeue'],
      ['cancel', 'Cancel'],
    ]) {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = label;
      button.dataset.action = action;
      button.dataset.id = id;
      cell.append(button);
    }
    return cell;
  }

  async function act(button) {
    const id = encodeURIComponent(button.dataset.id);
    const request =
      button.dataset.action === 'requeue'
        ? call(`tasks/${id}/requeue`, { method: 'POST' })
        : call(`tasks/${id}`, { method: 'DELETE' });
    button.disabled = true;
    try {
      const task = await request;
      notice(`Task ${task.id} is ${task.state}.`);
    } catch (error) {
      if (error instanceof NeedsToken) return askForToken();
      notice(`Could not ${button.dataset.action} task ${button.dataset.id}: ${error.message}`);
    }
    await refresh();
  }

  function showLateness(data) {
    byId('lateness-of').textContent = `on ${data.instance}, the instance serving this page`;
    const canvas = byId('lateness');
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    const scale = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const g = canvas.getContext('2d');
    g.setTransform(scale, 0, 0, scale, 0, 0);
    g.clearRect(0, 0, width, height);
    const left = 52;
    const bottom = height - 20;
    const top = 8;
    const style = getComputedStyle(document.documentElement);
    const highest = Math.max(1000, ...data.lateness.map((point) => point.max));
    const decades = Math.ceil(Math.log10(highest));
    // 1 ms at the bottom, a power of ten at the top; 0 ms sits on the bottom line.
    const y = (ms) => bottom - ((bottom - top) * Math.log10(Math.max(1, ms))) / decades;
    const nowSecond = Math.floor(Date.now() / 1000);
    const x = (at) =>
      left + ((width - left - 4) * (at / 1000 - (nowSecond - CHART_SECONDS))) / CHART_SECONDS;

    g.font = '11px system-ui, sans-serif';
    g.fillStyle = style.getPropertyValue('--muted');
    g.strokeStyle = style.getPropertyValue('--line');
    g.lineWidth = 1;
    for (let decade = 0; decade <= decades; decade++) {
      const ms = 10 ** decade;
      g.beginPath();
      g.moveTo(left, y(ms));
      g.lineTo(width, y(ms));
      g.stroke();
      g.fillText(ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`, 2, y(ms) + 4);
    }
    for (let minutesAgo = 5; minutesAgo >= 0; minutesAgo--) {
      const at = (nowSecond - minutesAgo * 60) * 1000;
      const label = minutesAgo === 0 ? 'now' : `-${minutesAgo} min`;
      const labelWidth = g.measureText(label).width;
      g.fillText(
        label,
        Math.min(width - labelWidth, Math.max(left, x(at) - labelWidth / 2)),
        height - 4,
      );
    }
    // Percentiles as lines (broken where no run started), the slowest run as a dot on top.
    for (const [field, color] of [
      ['p50', '--p50'],
      ['p99', '--p99'],
    ]) {
      g.strokeStyle = style.getPropertyValue(color);
      g.fillStyle = g.strokeStyle;
      g.lineWidth = field === 'p99' ? 2 : 1.25;
      let previous;
      for (const point of data.lateness) {
        const px = x(point.at);
        const py = y(point[field]);
        if (previous && point.at - previous.at <= 2000) {
          g.beginPath();
          g.moveTo(x(previous.at), y(previous[field]));
          g.lineTo(px, py);
          g.stroke();
        } else {
          g.fillRect(px - 1, py - 1, 2.5, 2.5);
        }
        previous = point;
      }
    }
    g.fillStyle = style.getPropertyValue('--max');
    for (const point of data.lateness) g.fillRect(x(point.at) - 1.5, y(point.max) - 1.5, 3, 3);
  }

  function duration(ms) {
    if (ms < 1000) return `${Math.round(ms)} ms`;
    if (ms < 120000) return `${(ms / 1000).toFixed(1)} s`;
    return `${Math.round(ms / 60000)} min`;
  }

  /** UTC, as the service's logs write it. */
  function clock(ms) {
    return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`;
  }

  byId('login').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, byId('token').value.trim());
    byId('token').value = '';
    void refresh();
  });
  byId('failed').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (button && !button.disabled) void act(button);
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) void refresh();
  });
  void refresh();
})();
