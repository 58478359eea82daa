// hotserve dashboard. No build step: plain script, uPlot for the charts.
// Data arrives on one event stream (stream), read with fetch() so that the key travels in the
// Authorization header and never in a URL; the page never polls and never reloads itself.
'use strict';
(() => {
  const WINDOW_S = 900;              // the charts show the last 15 minutes
  const EVENTS_SHOWN = 60;
  const STALL_MS = 40000;            // no byte for this long (keep-alives come every 15 s): reconnect
  const KEY_STORE = 'hotserve.key';
  const auth = (document.querySelector('meta[name="hotserve-auth"]').content || 'none').split(/\s+/);
  const readNeedsKey = auth.includes('api');
  const actionsNeedKey = readNeedsKey || auth.includes('admin');

  const $ = (sel, root = document) => root.querySelector(sel);
  const modelsEl = $('#models');
  const cards = new Map();           // name -> card
  let clockOffsetMs = 0;             // server time minus this browser's time
  let stream = null;                 // {controller} of the open stream
  let backoffMs = 500;
  let retryTimer = null;

  // ------------------------------------------------------------ key

  const key = {
    get: () => sessionStorage.getItem(KEY_STORE) || '',
    set: (k) => sessionStorage.setItem(KEY_STORE, k),
    clear: () => sessionStorage.removeItem(KEY_STORE),
  };
  const headers = (extra = {}) => {
    const k = key.get();
    return k ? { ...extra, Authorization: 'Bearer ' + k } : extra;
  };

  function showKeyPrompt(why, error, cancellable) {
    $('#key-why').textContent = why;
    $('#key-error').textContent = error || '';
    $('#key-cancel').hidden = !cancellable;
    $('#key-forget').hidden = !key.get();
    $('#key-prompt').hidden = false;
    $('#key-input').value = '';
    $('#key-input').focus();
  }
  $('#key-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const k = $('#key-input').value.trim();
    if (!k) return;
    key.set(k);
    $('#key-prompt').hidden = true;
    $('#key-button').hidden = false;
    reconnect();
  });
  $('#key-cancel').addEventListener('click', () => { $('#key-prompt').hidden = true; });
  $('#key-forget').addEventListener('click', () => {
    key.clear();
    $('#key-button').hidden = !actionsNeedKey;
    if (readNeedsKey) { clearModels(); stop(); setConn('locked', 'key needed'); showKeyPrompt(defaultWhy(), '', false); }
    else $('#key-prompt').hidden = true;
  });
  $('#key-button').addEventListener('click', () => showKeyPrompt(defaultWhy(), '', true));
  const defaultWhy = () => readNeedsKey
    ? 'Enter the API key (or the admin key, which also allows reload and rollback). It is kept in this tab only and sent in a header, never in a URL.'
    : 'Reload, rollback and the other actions need the admin key. It is kept in this tab only and sent in a header, never in a URL.';

  // ------------------------------------------------------------ the stream

  function setConn(state, text) {
    const c = $('#conn');
    c.dataset.state = state;
    $('#conn-text').textContent = text;
  }

  function stop() {
    if (stream) { stream.controller.abort(); stream = null; }
    clearTimeout(retryTimer);
  }

  function reconnect() { stop(); backoffMs = 500; connect(); }

  function retry() {
    stream = null;
    setConn('reconnecting', 'reconnecting');
    clearTimeout(retryTimer);
    const wait = backoffMs * (0.75 + Math.random() * 0.5);
    backoffMs = Math.min(backoffMs * 2, 10000);
    retryTimer = setTimeout(connect, wait);
  }

  async function connect() {
    if (readNeedsKey && !key.get()) { setConn('locked', 'key needed'); showKeyPrompt(defaultWhy(), '', false); return; }
    const controller = new AbortController();
    const mine = { controller };
    stream = mine;
    let stall = null;
    const armStall = () => { clearTimeout(stall); stall = setTimeout(() => controller.abort(), STALL_MS); };
    try {
      armStall();
      const res = await fetch('stream', { headers: headers({ Accept: 'text/event-stream' }), cache: 'no-store', signal: controller.signal });
      if (res.status === 401 || res.status === 403) {
        clearTimeout(stall);
        stream = null;
        key.clear();
        clearModels();
        setConn('locked', 'key needed');
        showKeyPrompt(defaultWhy(), 'That key was not accepted.', false);
        return;
      }
      if (!res.ok) throw new Error('HTTP ' + res.status);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        armStall();
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          dispatch(block);
        }
      }
    } catch (e) {
      if (stream !== mine) { clearTimeout(stall); return; }   // stopped on purpose
    }
    clearTimeout(stall);
    if (stream === mine) retry();
  }

  // One server-sent event: "event:" and "data:" lines; comment lines (":") keep the stream alive.
  function dispatch(block) {
    let event = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (!line || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (!data.length) return;
    const msg = JSON.parse(data.join('\n'));
    if (event === 'snapshot') onSnapshot(msg);
    else if (event === 'model') onModel(msg);
    else if (event === 'info') onInfo(msg);
    else if (event === 'tick') onTick(msg);
  }

  function onSnapshot(s) {
    backoffMs = 500;
    setConn('live', 'live');
    clockOffsetMs = Date.parse(s.server_time) - Date.now();
    const names = new Set(s.models.map((m) => m.name));
    for (const [name, card] of cards) if (!names.has(name)) { card.destroy(); cards.delete(name); }
    for (const m of s.models) {
      const card = cards.get(m.name) || addCard(m.name);
      card.series = seriesFrom(m.series);
      card.update(m);
      card.redraw();
    }
    // Cards in name order, whatever order they came in.
    [...cards.keys()].sort().forEach((n) => modelsEl.appendChild(cards.get(n).el));
    $('#empty').hidden = cards.size > 0;
  }

  function onModel(m) {
    const card = cards.get(m.name);
    if (card) card.update(m);
  }

  // The model's info changed without a reload event (rollout figures, a pending file, source health).
  function onInfo(m) {
    const card = cards.get(m.name);
    if (card && card.data) card.update({ ...card.data, info: m.info });
  }

  function onTick(t) {
    clockOffsetMs = t.t - Date.now();
    for (const [name, card] of cards) {
      const f = t.models[name];
      if (f) card.push(t.t / 1000, f);
      card.refreshAges();
    }
  }

  function clearModels() {
    for (const card of cards.values()) card.destroy();
    cards.clear();
  }

  // ------------------------------------------------------------ formatting

  const now = () => Date.now() + clockOffsetMs;
  function ago(iso) {
    if (!iso) return '–';
    const s = Math.max(0, (now() - Date.parse(iso)) / 1000);
    if (s < 10) return 'just now';
    if (s < 60) return Math.floor(s) + ' s ago';
    if (s < 3600) return Math.floor(s / 60) + ' min ago';
    if (s < 86400 * 2) return Math.floor(s / 3600) + ' h ago';
    return Math.floor(s / 86400) + ' d ago';
  }
  const fileName = (p) => (p ? String(p).split(/[\\/]/).pop() : '');
  const versionName = (p) => fileName(p).replace(/\.[^.]*$/, '');
  // A version's name: the server's own when it gives one, else the checkpoint's file name without extension.
  const nameOf = (v) => (v && (v.version || versionName(v.path))) || '';
  const clock = (iso) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  function fmt(v) {
    if (v == null || Number.isNaN(v)) return '–';
    if (Math.abs(v) >= 1000) return String(Math.round(v));
    const text = Number(v).toPrecision(3);
    return text.includes('.') && !text.includes('e') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
  }
  const EVENT_CLASS = {
    loaded: 'good', forced: 'good', promoted: 'good', failed: 'failure', rejected: 'failure', auto_rolled_back: 'failure',
    rolled_back: 'note', pinned: 'note', unpinned: 'note', candidate: 'info',
  };

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  // ------------------------------------------------------------ charts

  const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  function seriesFrom(s) {
    s = s || {};
    return {
      t: (s.t || []).map((ms) => ms / 1000), rate: (s.rate || []).slice(), p50: (s.p50 || []).slice(), p99: (s.p99 || []).slice(),
      rows: s.rows ? s.rows.slice() : null,
    };
  }

  // 24 h clock labels; with seconds while the window is under ten minutes (else every label of a minute would repeat).
  const clockLabel = (sec, withSeconds) => {
    const d = new Date(sec * 1000);
    const two = (n) => String(n).padStart(2, '0');
    return two(d.getHours()) + ':' + two(d.getMinutes()) + (withSeconds ? ':' + two(d.getSeconds()) : '');
  };

  // One grid line per power of ten: a log axis with every 2..9 is too busy to read at a glance.
  function decades(min, max) {
    const out = [];
    for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
      const v = Number((10 ** e).toPrecision(1));
      if (v >= min * 0.999 && v <= max * 1.001) out.push(v);
    }
    return out;
  }

  function makeChart(target, lines, log = false) {
    const axis = {
      stroke: css('--muted'), font: '11px system-ui, sans-serif', size: 42,
      grid: { stroke: css('--line'), width: 1 }, ticks: { stroke: css('--line'), width: 1, size: 4 },
    };
    const opts = {
      width: Math.max(200, target.clientWidth), height: target.clientHeight || 150,
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      scales: {
        // The last 15 minutes, or since the server started when that is shorter (at least a minute).
        x: { time: true, range: (u, min, max) => {
          const hi = max || now() / 1000;
          const first = u.data[0].length ? u.data[0][0] : hi;
          const span = Math.min(WINDOW_S, Math.max(60, hi - first));
          return [hi - span, hi];
        } },
        // Latency on a log scale, so that p50 stays readable next to a p99 ten times higher.
        y: log
          ? { distr: 3, log: 10, range: (u, min, max) => (min > 0 && max > 0 ? uPlot.rangeLog(min, max, 10, true) : [0.1, 10]) }
          : { range: (u, min, max) => [0, max > 0 ? max * 1.15 : 1] },
      },
      axes: [{ ...axis, size: 26, space: 64, values: (u, ticks) => ticks.map((v) => clockLabel(v, u.scales.x.max - u.scales.x.min < 600)) },
        log ? { ...axis, size: 46, splits: (u, i, min, max) => decades(min, max), values: (u, ticks) => ticks.map((v) => (v == null ? '' : String(v))) } : { ...axis, size: 46 }],
      series: [{}, ...lines.map((l) => ({ label: l.label, stroke: css(l.color), width: 1.6, spanGaps: false,
        fill: l.fill ? css(l.color) + '22' : undefined }))],
    };
    return new uPlot(opts, [[], ...lines.map(() => [])], target);
  }

  // ------------------------------------------------------------ one model's card

  function addCard(name) {
    const el0 = $('#model-template').content.firstElementChild.cloneNode(true);
    el0.dataset.model = name;
    el0.dataset.generation = '0';
    $('.m-name', el0).textContent = name;
    modelsEl.appendChild(el0);
    const card = new Card(name, el0);
    cards.set(name, card);
    return card;
  }

  class Card {
    constructor(name, root) {
      this.name = name;
      this.el = root;
      this.data = null;
      this.series = seriesFrom(null);
      this.charts = {};
      this.busy = false;
      this.buildCharts();
      this.resize = new ResizeObserver(() => this.fit());
      this.resize.observe(root);
      $('.a-reload', root).addEventListener('click', () => this.act('reload', null,
        `Reload ${name}? The current checkpoint is loaded again as a new generation.`));
      $('.a-rollback', root).addEventListener('click', () => {
        const g = $('.a-generation', root).value;
        if (!g) return;
        const v = (this.data.history || []).find((h) => String(h.generation) === g);
        this.act('rollback', JSON.stringify({ generation: Number(g) }),
          `Roll ${name} back to generation ${g}${v ? ' (' + nameOf(v) + ')' : ''}? It will be pinned: newer checkpoints are not followed until you unpin.`);
      });
      $('.a-unpin', root).addEventListener('click', () => this.act('unpin', null, `Unpin ${name}? It follows the newest checkpoint again.`));
      $('.a-promote', root).addEventListener('click', () => this.act('promote', null, `Promote the candidate of ${name} to stable now?`));
      $('.a-reject', root).addEventListener('click', () => this.act('reject', null, `Reject the candidate of ${name}? Stable keeps serving.`));
    }

    buildCharts() {
      for (const c of Object.values(this.charts)) c.destroy();
      this.charts = {
        rate: makeChart($('.c-rate .plot', this.el), [{ label: 'req/s', color: '--accent', fill: true }]),
        latency: makeChart($('.c-latency .plot', this.el), [{ label: 'p50', color: '--accent' }, { label: 'p99', color: '--accent2' }], true),
        batch: makeChart($('.c-batch .plot', this.el), [{ label: 'rows', color: '--accent', fill: true }]),
      };
      this.redraw();
    }

    fit() {
      for (const c of Object.values(this.charts)) {
        const box = c.root.parentElement;
        const w = Math.max(200, Math.floor(box.clientWidth));
        const h = box.clientHeight || 150;
        if (w !== c.width || h !== c.height) c.setSize({ width: w, height: h });
      }
    }

    destroy() {
      this.resize.disconnect();
      for (const c of Object.values(this.charts)) c.destroy();
      this.el.remove();
    }

    push(t, f) {
      const s = this.series;
      if (s.t.length && t <= s.t[s.t.length - 1]) return;   // already in the snapshot
      s.t.push(t); s.rate.push(f.rate); s.p50.push(f.p50); s.p99.push(f.p99);
      if (f.rows !== undefined) {
        if (!s.rows) s.rows = s.t.map(() => null);
        s.rows.push(f.rows);
      } else if (s.rows) {
        s.rows.push(null);
      }
      while (s.t.length > WINDOW_S) {
        s.t.shift(); s.rate.shift(); s.p50.shift(); s.p99.shift();
        if (s.rows) s.rows.shift();
      }
      this.redraw();
    }

    redraw() {
      const s = this.series;
      this.charts.rate.setData([s.t, s.rate]);
      this.charts.latency.setData([s.t, s.p50, s.p99]);
      const batching = !!s.rows;
      $('.c-batch', this.el).hidden = !batching;
      if (batching) this.charts.batch.setData([s.t, s.rows]);
      const last = (a) => (a && a.length ? a[a.length - 1] : null);
      $('.c-rate .now', this.el).textContent = fmt(last(s.rate));
      $('.c-latency .now50', this.el).textContent = fmt(last(s.p50));
      $('.c-latency .now99', this.el).textContent = fmt(last(s.p99));
      if (batching) $('.c-batch .now', this.el).textContent = fmt(last(s.rows));
    }

    // The model's state: {name, info, history, events}, the bodies of its JSON routes.
    update(m) {
      this.data = m;
      const info = m.info || {};
      const r = this.el;
      r.dataset.generation = String(info.generation || 0);
      const loaded = !!info.loaded;
      const state = $('.p-state', r);
      state.textContent = loaded ? 'serving' : 'no model';
      state.className = 'pill p-state ' + (loaded ? 'ok' : 'bad');
      $('.p-pinned', r).hidden = !info.pinned;

      // Source health: reported by remote sources; a local directory or file is always reachable.
      const health = info.source_health || (info.source && typeof info.source === 'object' ? info.source.health : null);
      const src = $('.p-source', r);
      const sourceText = typeof info.source === 'string' ? info.source : (info.source && (info.source.uri || info.source.description)) || '';
      if (health && health.reachable === false) {
        src.textContent = 'source unreachable';
        src.className = 'pill p-source bad';
        src.title = (health.last_error || 'unreachable') + (health.consecutive_failures ? ` (${health.consecutive_failures} failures in a row)` : '');
      } else {
        src.textContent = 'source ok';
        src.className = 'pill p-source ok';
        src.title = health && health.last_reached ? 'last reached ' + health.last_reached : 'local files';
      }

      $('.v-name', r).textContent = loaded ? nameOf(info) : 'nothing loaded';
      $('.v-gen', r).textContent = loaded ? 'generation ' + info.generation : '';
      $('.v-name', r).title = info.path || '';
      $('.f-engine', r).textContent = loaded ? `${info.engine}${info.jit_compiled ? ' · optimised' : ''} · ${info.mode || ''}` : '–';
      $('.f-sha', r).textContent = loaded && info.sha256 ? info.sha256.slice(0, 12) : '–';
      $('.f-sha', r).title = info.sha256 || '';
      $('.f-signer', r).textContent = loaded ? (info.signer || 'not verified') : '–';
      $('.f-written', r).title = info.mtime || '';
      $('.f-live', r).title = info.loaded_at || '';
      $('.f-source', r).textContent = sourceText || '–';
      this.refreshAges();

      const pending = $('.pending', r);
      pending.hidden = !info.pending;
      pending.textContent = info.pending ? 'Waiting: ' + info.pending : '';

      const err = $('.last-error', r);
      if (info.last_error) {
        err.hidden = false;
        err.textContent = `Last load refused: ${fileName(info.last_error.path)}: ${info.last_error.reason}`;
      } else {
        err.hidden = true;
      }

      this.renderRollout(info.rollout);
      this.renderActions(info, m.history || []);
      // An info-only update keeps the same event list: leave the timeline (and its scroll position) alone.
      if (m.events !== this.shownEvents) {
        this.shownEvents = m.events;
        this.renderEvents(m.events || []);
      }
    }

    refreshAges() {
      const info = (this.data && this.data.info) || {};
      $('.f-written', this.el).textContent = info.mtime ? ago(info.mtime) : '–';
      $('.f-live', this.el).textContent = info.loaded_at ? ago(info.loaded_at) : '–';
    }

    // Rollout (SPEC §11): {mode, phase, candidate, previous, until, drift: {comparisons, p50, p99, max, max_allowed},
    // candidate_traffic: {requests, errors, non_finite}}. The box and its buttons only while there is a candidate.
    renderRollout(ro) {
      const box = $('.rollout-box', this.el);
      const pill = $('.p-rollout', this.el);
      const active = !!(ro && ro.candidate);
      const guard = !!(ro && !ro.candidate && ro.previous && ro.phase === 'guard');
      box.hidden = !active;
      pill.hidden = !(active || guard);
      if (guard) {
        pill.textContent = `guard: ${nameOf(ro.previous)} kept` + (ro.until ? ' until ' + clock(ro.until) : '');
        pill.title = 'after a promotion the previous version stays loaded; an error or a non-finite output rolls back to it at once';
      }
      if (!active) return;
      const c = ro.candidate;
      pill.textContent = 'rollout: ' + (ro.phase || 'in progress');
      pill.title = ro.until ? 'this phase ends ' + ro.until : '';
      $('.r-phase', box).textContent = ro.phase ? '· ' + ro.phase : '';
      $('.r-name', box).textContent = nameOf(c) || 'candidate';
      $('.r-gen', box).textContent = c.generation != null ? 'candidate · generation ' + c.generation : 'candidate';
      const d = ro.drift || {};
      $('.d-p50', box).textContent = fmt(d.p50);
      $('.d-p99', box).textContent = fmt(d.p99) + (d.max_allowed != null ? ` (limit ${fmt(d.max_allowed)})` : '');
      $('.d-p99', box).classList.toggle('bad-text', d.p99 != null && d.max_allowed != null && d.p99 > d.max_allowed);
      $('.d-max', box).textContent = fmt(d.max);
      const t = ro.candidate_traffic;
      $('.d-samples', box).textContent = (d.comparisons != null ? d.comparisons + ' compared' : '–')
        + (t && t.requests ? ` · ${t.requests} answered, ${t.errors || 0} errors` : '');
    }

    renderActions(info, history) {
      const r = this.el;
      const select = $('.a-generation', r);
      const previous = select.value;
      const options = history.filter((h) => h.generation !== info.generation);
      // Rebuilt only when the choices change, so that a list the user has open is not closed under them.
      const choices = options.map((h) => h.generation).join(',');
      if (choices !== this.shownChoices) this.fillGenerations(select, options, previous, choices);
      select.disabled = this.busy || options.length === 0;
      $('.a-rollback', r).disabled = this.busy || options.length === 0;
      $('.a-reload', r).disabled = this.busy;
      $('.a-unpin', r).disabled = this.busy || !info.pinned;
      $('.a-promote', r).disabled = this.busy;
      $('.a-reject', r).disabled = this.busy;
    }

    fillGenerations(select, options, previous, choices) {
      this.shownChoices = choices;
      select.textContent = '';
      for (const h of options) {
        const o = el('option', null, `gen ${h.generation} · ${nameOf(h)}`);
        o.value = String(h.generation);
        select.appendChild(o);
      }
      if (!options.length) {
        const o = el('option', null, 'no other generation');
        o.value = '';
        select.appendChild(o);
      }
      if (options.some((h) => String(h.generation) === previous)) select.value = previous;
    }

    renderEvents(events) {
      const list = $('.events', this.el);
      list.textContent = '';
      for (const e of events.slice(0, EVENTS_SHOWN)) {
        const li = el('li', 'ev ' + (EVENT_CLASS[e.kind] || ''));
        li.dataset.kind = e.kind;
        const t = el('time', null, clock(e.at));
        t.dateTime = e.at;
        t.title = e.at;
        li.appendChild(t);
        li.appendChild(el('span', 'kind', e.kind.replace(/_/g, ' ')));
        const what = el('span', 'what');
        if (e.path) what.appendChild(el('span', 'file', fileName(e.path)));
        const gens = e.new_generation !== e.old_generation ? ` gen ${e.old_generation} → ${e.new_generation}` : ` gen ${e.new_generation}`;
        what.appendChild(el('span', 'gen', gens));
        if (e.duration_ms > 0.05) what.appendChild(el('span', 'gen', ` · ${fmt(e.duration_ms)} ms`));
        li.appendChild(what);
        li.appendChild(el('span', 'reason', e.error ? e.error : e.reason));
        list.appendChild(li);
      }
      if (!events.length) list.appendChild(el('li', 'ev muted', 'no events yet'));
    }

    async act(action, body, question) {
      if (actionsNeedKey && !key.get()) {
        showKeyPrompt(defaultWhy(), '', true);
        return;
      }
      if (!window.confirm(question)) return;
      this.busy = true;
      if (this.data) this.renderActions(this.data.info || {}, this.data.history || []);
      const out = $('.outcome', this.el);
      try {
        const res = await fetch(`../${encodeURIComponent(this.name)}/model/${action}`, {
          method: 'POST', headers: headers({ 'Content-Type': 'application/json' }), body: body || '{}', cache: 'no-store',
        });
        let reply = {};
        try { reply = await res.json(); } catch (ignored) { /* an empty or non-JSON body: the status says enough */ }
        if (res.ok) {
          this.say(`${action.replace(/_/g, ' ')}: now serving ${nameOf(reply) || '–'}, generation ${reply.generation}`, false);
        } else {
          const why = reply.detail || reply.error || res.statusText;
          this.say(`${action} refused (${res.status}): ${why}`, true);
          if (res.status === 401 || res.status === 403) {
            showKeyPrompt(res.status === 403 ? 'This action needs the admin key.' : defaultWhy(), why, true);
          }
        }
      } catch (e) {
        this.say(`${action} failed: ${e.message}`, true);
      } finally {
        this.busy = false;
        if (this.data) this.renderActions(this.data.info || {}, this.data.history || []);
        out.hidden = false;
      }
    }

    say(text, isError) {
      const out = $('.outcome', this.el);
      out.textContent = text;
      out.classList.toggle('error', isError);
      out.hidden = false;
    }
  }

  // Colours come from CSS: rebuild the charts when the system switches between light and dark.
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    for (const card of cards.values()) card.buildCharts();
  });

  $('#key-button').hidden = !(actionsNeedKey || key.get());
  connect();
})();
