// The vgpio web panel: every device and its lines, live from the event stream (/api/events), with switches,
// buttons and stimuli for simulated inputs (the REST API under /api) and a scrolling waveform per line.
// Plain ES2020, no framework, nothing loaded from anywhere but this server.
'use strict';

(() => {
  const WINDOW_MS = 10_000; // the waveform shows the last 10 s
  const MAX_POINTS = 20_000; // per line: a fast square wave is thinned to this many level changes
  const LOG_SIZE = 50;
  const DIRECTIONS = ['none', 'out', 'in'];
  const IRQ_TYPES = {0: 'none', 1: 'edge-rising', 2: 'edge-falling', 3: 'edge-both', 4: 'level-high', 8: 'level-low'};
  const STIMULUS_NAMES = {pulse: 'pulse', toggle: 'toggle burst', square: 'square wave'};
  const DEFAULT_SETTINGS = {pulseMs: 100, toggleCount: 10, toggleMs: 100, squareMs: 200};

  /** Device name -> {name, label, socket, dropped, lines: [view], rows: [row], log: [entry], ...}. */
  const devices = new Map();
  /** "device/line" -> [{t (local ms), level, direction}], kept across reconnects. */
  const histories = new Map();
  /** Device name -> stimulus settings, and its log of recent requests, kept across reconnects. */
  const settings = new Map();
  const logs = new Map();
  const dirtyRows = new Set();
  const dirtyLogs = new Set();
  let clock = null; // {server: ns, local: ms}: maps the server's monotonic clock onto performance.now()
  let socket = null;
  let retryMs = 500;
  let everLive = false;
  let colours = null;

  const $ = (selector, root = document) => root.querySelector(selector);

  /** An element with attributes (class, text, on<event>, anything else as an attribute) and children. */
  function h(tag, attrs = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) {
        continue;
      }
      if (k === 'class') {
        e.className = v;
      } else if (k === 'text') {
        e.textContent = v;
      } else if (k.startsWith('on')) {
        e.addEventListener(k.slice(2), v);
      } else {
        e.setAttribute(k, v === true ? '' : String(v));
      }
    }
    e.append(...children.filter((c) => c !== null && c !== undefined));
    return e;
  }

  const idPart = (s) => String(s).replace(/[^A-Za-z0-9_-]/g, '_');
  const linePath = (device, line) => `/api/devices/${encodeURIComponent(device)}/lines/${line}`;
  const toLocal = (ns) => (clock ? clock.local + (ns - clock.server) / 1e6 : performance.now());
  const micros = (ms) => Math.round(Number(ms) * 1000);

  // ---- the REST API and what it says went wrong

  /** Calls the API; resolves to its JSON, rejects with an Error whose message is the API's own `error`. */
  async function api(method, path, body) {
    const init = {method, headers: {}};
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (e) {
      throw Object.assign(new Error(`the server cannot be reached (${e.message})`), {status: 0});
    }
    let json = null;
    try {
      json = await response.json();
    } catch (e) {
      // not JSON: the status says it all
    }
    if (!response.ok) {
      const text = json && json.error ? json.error : `${method} ${path}: HTTP ${response.status}`;
      throw Object.assign(new Error(text), {status: response.status, reason: json && json.reason});
    }
    return json;
  }

  function showError(text) {
    const box = $('#messages');
    const item = h('div', {class: 'message', role: 'alert'}, h('span', {text}),
        h('button', {type: 'button', class: 'dismiss', 'aria-label': 'Dismiss this message',
          onclick: () => item.remove()}, '×'));
    box.append(item);
    while (box.children.length > 4) {
      box.firstElementChild.remove();
    }
    setTimeout(() => item.remove(), 12_000);
  }

  function setStatus(state, text) {
    const s = $('#status');
    s.dataset.state = state;
    s.textContent = text;
    document.body.classList.toggle('offline', state !== 'live');
  }

  // ---- the event stream

  function connect() {
    setStatus('connecting', everLive ? 'Reconnecting…' : 'Connecting…');
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${scheme}://${location.host}/api/events`);
    let opened = false;
    socket = ws;
    ws.onopen = () => {
      opened = true;
    };
    ws.onmessage = (m) => {
      let msg;
      try {
        msg = JSON.parse(m.data);
      } catch (e) {
        return;
      }
      if (msg.type === 'snapshot') {
        retryMs = 500;
        everLive = true;
        onSnapshot(msg);
        setStatus('live', 'Live');
      } else if (msg.type === 'events') {
        onEvents(msg.events);
      }
    };
    ws.onclose = async (e) => {
      if (socket !== ws) {
        return;
      }
      socket = null;
      let why = e.code === 1008 ? 'the server dropped this page: it fell behind'
        : e.code === 1001 ? 'the daemon stopped' : e.reason || 'the connection dropped';
      if (!opened) {
        why = (await refusal()) || 'the server cannot be reached';
      }
      const wait = retryMs;
      retryMs = Math.min(retryMs * 2, 10_000);
      setStatus('lost', `Disconnected: ${why}. Reconnecting in ${Math.ceil(wait / 1000)} s…`);
      setTimeout(connect, wait);
    };
  }

  /** Why the server refused the stream (no token, say), from what GET /api answers; null if it did not. */
  async function refusal() {
    try {
      await api('GET', '/api');
      return null;
    } catch (e) {
      return e.status ? e.message : null;
    }
  }

  function onSnapshot(msg) {
    clock = {server: msg.t, local: performance.now()};
    const main = $('#devices');
    devices.clear();
    dirtyRows.clear();
    dirtyLogs.clear();
    main.replaceChildren(...msg.devices.map(card));
    if (msg.devices.length === 0) {
      main.append(h('p', {class: 'empty', text: 'This daemon serves no devices.'}));
    }
    main.removeAttribute('aria-busy');
    for (const dev of devices.values()) {
      dev.lines.forEach((v, i) => {
        record(dev, i, msg.t, v);
        updateRow(dev, i);
      });
    }
  }

  function onEvents(events) {
    for (const e of events) {
      const dev = devices.get(e.device);
      if (!dev) {
        continue;
      }
      const known = Number.isInteger(e.line) && e.line >= 0 && e.line < dev.lines.length;
      const v = known ? dev.lines[e.line] : null;
      switch (e.kind) {
        case 'line': {
          if (!v) {
            break;
          }
          const {t, device, kind, ...view} = e;
          view.stimulus = v.stimulus; // its own event says when it starts and ends
          dev.lines[e.line] = view;
          record(dev, e.line, t, view);
          dirtyRows.add(dev.rows[e.line]);
          break;
        }
        case 'request':
          if (v && e.type !== 'GET_LINE_NAMES') { // the device does not count those against a line
            v.requests++;
            if (!e.ok) {
              v.errors++;
            }
            dirtyRows.add(dev.rows[e.line]);
          }
          log(dev, e.t, describeRequest(e), e.ok ? 'ok' : 'refused');
          break;
        case 'edge':
          if (v) {
            v.edges++;
            dirtyRows.add(dev.rows[e.line]);
          }
          break;
        case 'interrupt':
          if (v && e.valid) {
            v.interrupts++;
            dirtyRows.add(dev.rows[e.line]);
          }
          break;
        case 'stimulus': // started or ended, here or anywhere (another page, the command line)
          if (v) {
            setStimulus(dev, e.line, e.stimulus);
          }
          break;
        case 'reset':
          log(dev, e.t, 'the guest reset the device: every interrupt off', 'note');
          break;
        case 'detached':
          log(dev, e.t, 'the guest went away: its front end disconnected', 'note');
          break;
        case 'dropped':
          dev.dropped += e.count;
          dev.droppedEl.textContent = `${dev.dropped} records dropped`;
          dev.droppedEl.hidden = false;
          log(dev, e.t, `${e.count} records were lost: the monitor fell behind`, 'refused');
          break;
        default: // unmask, driven: the line event that follows shows what changed
      }
    }
  }

  /** A request in words: "LED SET_DIRECTION out → ok", "BUTTON GET_VALUE → 1", "... → refused: why". */
  function describeRequest(e) {
    const line = e.type === 'GET_LINE_NAMES' ? '' : `${e.name || `line ${e.line}`} `;
    let arg = '';
    let answer = 'ok';
    switch (e.type) {
      case 'SET_DIRECTION': arg = ` ${DIRECTIONS[e.value] || e.value}`; break;
      case 'SET_IRQ_TYPE': arg = ` ${IRQ_TYPES[e.value] || e.value}`; break;
      case 'SET_VALUE': arg = ` ${e.value}`; break;
      case 'GET_DIRECTION': answer = DIRECTIONS[e.response] || String(e.response); break;
      case 'GET_VALUE': answer = String(e.response); break;
      default:
    }
    return `${line}${e.type}${arg} → ${e.ok ? answer : `refused: ${e.refusal}`}`;
  }

  function log(dev, t, text, kind) {
    dev.log.push({t: toLocal(t), text, kind});
    if (dev.log.length > LOG_SIZE) {
      dev.log.splice(0, dev.log.length - LOG_SIZE);
    }
    dirtyLogs.add(dev);
  }

  /** Adds a point to a line's waveform if its level or direction changed. */
  function record(dev, line, t, v) {
    const key = `${dev.name}/${line}`;
    let points = histories.get(key);
    if (!points) {
      histories.set(key, points = []);
    }
    const last = points[points.length - 1];
    if (last && last.level === v.level && last.direction === v.direction) {
      return;
    }
    points.push({t: Math.max(toLocal(t), last ? last.t : -Infinity), level: v.level, direction: v.direction});
    if (points.length > 2 * MAX_POINTS) { // drawing prunes too, but a hidden page draws nothing
      points.splice(0, points.length - MAX_POINTS);
    }
  }

  // ---- the page: a card per device, a row per line

  function card(json) {
    const name = json.name;
    if (!settings.has(name)) {
      settings.set(name, {...DEFAULT_SETTINGS});
      logs.set(name, []);
    }
    const dev = {name, label: json.label, dropped: json.dropped, lines: json.lines, rows: [], log: logs.get(name),
      settings: settings.get(name)};
    devices.set(name, dev);
    dirtyLogs.add(dev);
    const id = `device-${idPart(name)}`;
    dev.droppedEl = h('p', {class: 'dropped', hidden: json.dropped === 0, text: `${json.dropped} records dropped`});
    dev.logEl = h('ol', {class: 'log', 'data-field': 'log'});
    const tbody = h('tbody');
    json.lines.forEach((v, i) => {
      const row = lineRow(dev, i);
      dev.rows.push(row);
      tbody.append(row.tr);
    });
    return h('section', {class: 'device', id, 'data-device': name, 'aria-labelledby': `${id}-title`},
        h('header', {},
            h('h2', {id: `${id}-title`}, name, ' ', h('span', {class: 'label', text: json.label})),
            h('p', {class: 'socket', title: 'its vhost-user socket', text: json.socket}),
            dev.droppedEl),
        stimulusSettings(dev, id),
        h('div', {class: 'table-wrap'},
            h('table', {class: 'lines'},
                h('caption', {class: 'visually-hidden', text: `Lines of ${name}`}),
                h('colgroup', {}, ...['line', 'direction', 'level', 'driver', 'irq', 'counters', 'drive', 'wave']
                    .map((c) => h('col', {class: `col-${c}`}))),
                h('thead', {}, h('tr', {},
                    ...['Line', 'Direction', 'Level', 'Driven by', 'Interrupt', 'Counters', 'Drive', 'Last 10 s']
                        .map((t) => h('th', {scope: 'col', text: t})))),
                tbody)),
        h('section', {class: 'requests', 'aria-labelledby': `${id}-log`},
            h('h3', {id: `${id}-log`, text: 'Recent requests'}), dev.logEl));
  }

  function stimulusSettings(dev, id) {
    const field = (key, label, unit, min, step) => {
      const inputId = `${id}-${key}`;
      return h('span', {class: 'field'},
          h('label', {for: inputId, text: label}),
          h('input', {id: inputId, type: 'number', min, step, value: dev.settings[key], 'data-setting': key,
            onchange: (ev) => {
              const n = Number(ev.target.value);
              if (Number.isFinite(n) && n > 0) {
                dev.settings[key] = n;
                dev.rows.forEach((r) => dirtyRows.add(r));
              }
            }}),
          unit ? h('span', {class: 'unit', text: unit}) : null);
    };
    return h('details', {class: 'settings'},
        h('summary', {text: 'Stimulus settings'}),
        h('div', {class: 'fields'},
            field('pulseMs', 'Press width', 'ms', 0.1, 'any'),
            field('toggleCount', 'Burst: toggles', '', 1, 1),
            field('toggleMs', 'every', 'ms', 0.1, 'any'),
            field('squareMs', 'Square wave period', 'ms', 0.2, 'any')));
  }

  function lineRow(dev, i) {
    const v = dev.lines[i];
    const label = v.name || `line ${i}`;
    const r = {dev, line: i, label};
    const button = (action, text, attrs = {}) => h('button', {type: 'button', class: action, 'data-action': action,
      'data-device': dev.name, 'data-line': i, onclick: () => act(dev, i, action), ...attrs}, text);
    r.direction = h('span', {class: 'badge'});
    r.lineConfig = h('span', {class: 'badge flag line-config', 'data-field': 'line-config'});
    r.lamp = h('span', {class: 'lamp', 'aria-hidden': 'true'});
    r.levelText = h('span', {class: 'level-text'});
    r.driver = h('span', {class: 'driver'});
    r.irq = h('span', {});
    r.masked = h('span', {class: 'badge flag'});
    r.latched = h('span', {class: 'badge flag latched', text: 'latched'});
    r.counters = h('span', {class: 'counters'});
    r.switch = button('switch', h('span', {class: 'knob', 'aria-hidden': 'true'}),
        {role: 'switch', 'aria-checked': 'false', 'aria-label': `${label} level`});
    r.press = button('press', 'Press', {'aria-label': `Press ${label} (a pulse)`});
    r.toggle = button('toggle', 'Burst', {'aria-pressed': 'false'});
    r.square = button('square', 'Square', {'aria-pressed': 'false'});
    r.controls = h('div', {class: 'controls', role: 'group', 'aria-label': `Drive ${label}`},
        r.switch, r.press, r.toggle, r.square);
    r.canvas = h('canvas', {class: 'wave', 'data-field': 'wave', role: 'img',
      'aria-label': `${label}: its level over the last 10 seconds`});
    r.tr = h('tr', {id: `line-${idPart(dev.name)}-${i}`, 'data-device': dev.name, 'data-line': i,
      'data-name': v.name},
    h('th', {scope: 'row', title: `line ${i} ${v.name}`},
        h('span', {class: 'offset', text: i}), ' ', h('span', {class: 'name', text: v.name})),
    h('td', {'data-field': 'direction'}, r.direction, ' ', r.lineConfig),
    h('td', {'data-field': 'level'}, r.lamp, r.levelText),
    h('td', {'data-field': 'driver'}, r.driver),
    h('td', {'data-field': 'irq'}, r.irq, ' ', r.masked, ' ', r.latched),
    h('td', {'data-field': 'counters'}, r.counters),
    h('td', {'data-field': 'controls'}, r.controls),
    h('td', {class: 'wave-cell'}, r.canvas));
    return r;
  }

  /** Why the host may not drive this line at all, or null. */
  function refusedBecause(v) {
    if (!v.simulated) {
      return 'a real host line: its level comes from the hardware, and vgpio never drives it';
    }
    if (v.direction === 'output') {
      return 'the guest\'s output: the guest drives its level';
    }
    return null;
  }

  function setControl(button, reason, hint) {
    button.disabled = Boolean(reason);
    button.title = reason || hint;
  }

  function updateRow(dev, i) {
    const v = dev.lines[i];
    const r = dev.rows[i];
    const s = dev.settings;
    Object.assign(r.tr.dataset, {direction: v.direction, level: v.level, driver: v.driver,
      simulated: v.simulated, stimulus: v.stimulus || ''});
    r.direction.textContent = v.direction;
    r.direction.className = `badge dir-${v.direction}`;
    const config = [v.bias && v.bias !== 'as-is' ? v.bias : null,
      v.drive && v.drive !== 'push-pull' ? v.drive : null,
      v.debounceMicros ? `debounce ${v.debounceMicros / 1000} ms` : null].filter(Boolean);
    r.lineConfig.hidden = config.length === 0;
    r.lineConfig.textContent = config.join(' · ');
    r.lineConfig.title = config.length === 0 ? '' : 'what the guest set on this line (bias, drive, debounce period)';
    r.lamp.classList.toggle('on', v.level === 1);
    r.levelText.textContent = String(v.level);
    r.driver.textContent = v.driver;
    r.driver.className = `driver by-${v.driver}`;
    r.irq.textContent = v.irqType;
    r.masked.hidden = v.irqType === 'none';
    r.masked.textContent = v.masked ? 'masked' : 'unmasked';
    r.latched.hidden = !v.latched;
    r.counters.replaceChildren(h('span', {text: `${v.requests} req · ${v.errors} err`}),
        h('span', {text: `${v.edges} edges · ${v.interrupts} irq`}));
    r.counters.title = `${v.requests} guest requests named the line, ${v.errors} refused; ${v.edges} edges `
      + `reached the device, ${v.interrupts} interrupts went to the guest`;

    const never = refusedBecause(v);
    const running = v.stimulus ? `a ${STIMULUS_NAMES[v.stimulus] || v.stimulus} drives this line: stop it first`
      : null;
    r.controls.title = never || running || '';
    r.controls.classList.toggle('refused', Boolean(never));
    setControl(r.switch, never || running || r.busy, `Drive ${r.label} to ${v.level ? 0 : 1}`);
    r.switch.setAttribute('aria-checked', v.level === 1 ? 'true' : 'false');
    setControl(r.press, never || running || r.busy,
        `Drive ${r.label} to ${v.level ? 0 : 1} for ${s.pulseMs} ms, then back`);
    for (const [b, kind, start, hint] of [
      [r.toggle, 'toggle', 'Burst', `Toggle ${r.label} ${s.toggleCount} times, every ${s.toggleMs} ms`],
      [r.square, 'square', 'Square', `A square wave of ${s.squareMs} ms on ${r.label}, until stopped`]]) {
      const mine = v.stimulus === kind;
      b.textContent = mine ? 'Stop' : start;
      b.setAttribute('aria-pressed', mine ? 'true' : 'false');
      b.setAttribute('aria-label', mine ? `Stop the ${STIMULUS_NAMES[kind]} on ${r.label}` : hint);
      setControl(b, never || (v.stimulus && !mine ? running : null) || r.busy,
          mine ? `Stop the ${STIMULUS_NAMES[kind]}` : hint);
    }
  }

  function renderLog(dev) {
    const items = dev.log.slice().reverse().map((e) => h('li', {class: e.kind},
        h('time', {text: clockTime(e.t)}), ' ', e.text));
    dev.logEl.replaceChildren(...items);
    if (items.length === 0) {
      dev.logEl.append(h('li', {class: 'note', text: 'No requests yet.'}));
    }
  }

  function clockTime(local) {
    const d = new Date(performance.timeOrigin + local);
    const p = (n, w = 2) => String(n).padStart(w, '0');
    return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
  }

  // ---- driving a line

  async function act(dev, i, action) {
    const r = dev.rows[i];
    const v = dev.lines[i];
    const s = dev.settings;
    const path = linePath(dev.name, i);
    r.busy = 'waiting for the server';
    updateRow(dev, i);
    const stop = (action === 'toggle' || action === 'square') && v.stimulus === action;
    try {
      if (action === 'switch') {
        await api('PUT', `${path}/level`, {level: v.level ? 0 : 1});
      } else if (stop) {
        await api('DELETE', `${path}/stimulus`); // the stream's stimulus event says it ended
      } else {
        const body = action === 'press' ? {kind: 'pulse', widthUs: micros(s.pulseMs)}
          : action === 'toggle' ? {kind: 'toggle', count: Math.round(s.toggleCount), intervalUs: micros(s.toggleMs)}
            : {kind: 'square', periodUs: micros(s.squareMs), cycles: 0};
        // the stream's stimulus events say when it starts and ends (a short pulse may end before this answer)
        await api('POST', `${path}/stimulus`, body);
      }
    } catch (e) {
      if (!(stop && e.status === 404)) { // a 404 on stop: it had ended by itself, and its event says so
        showError(`${dev.name} ${r.label}: ${e.message}`);
      }
    } finally {
      r.busy = null;
      if (devices.get(dev.name) === dev) {
        updateRow(dev, i);
      }
    }
  }

  function setStimulus(dev, i, kind) {
    const v = dev.lines[i];
    v.stimulus = kind;
    dirtyRows.add(dev.rows[i]);
  }


  // ---- drawing: rows and logs as they change, waveforms about 30 times a second

  function readColours() {
    const css = getComputedStyle(document.documentElement);
    const get = (name) => css.getPropertyValue(name).trim();
    colours = {input: get('--input'), output: get('--output'), released: get('--released'), grid: get('--grid')};
  }

  function drawWave(r, now) {
    const canvas = r.canvas;
    const ratio = window.devicePixelRatio || 1;
    const w = Math.round(canvas.clientWidth * ratio);
    const ht = Math.round(canvas.clientHeight * ratio);
    if (w === 0 || ht === 0) {
      return;
    }
    if (canvas.width !== w || canvas.height !== ht) {
      canvas.width = w;
      canvas.height = ht;
    }
    const g = canvas.getContext('2d');
    g.clearRect(0, 0, w, ht);
    const start = now - WINDOW_MS;
    const x = (t) => ((t - start) / WINDOW_MS) * w;
    g.strokeStyle = colours.grid;
    g.lineWidth = 1;
    g.beginPath();
    for (let s = Math.ceil(start / 1000) * 1000; s < now; s += 1000) {
      g.moveTo(Math.round(x(s)) + 0.5, 0);
      g.lineTo(Math.round(x(s)) + 0.5, ht);
    }
    g.stroke();

    const points = histories.get(`${r.dev.name}/${r.line}`) || [];
    let first = 0; // the last point before the window gives the level at its left edge
    while (first + 1 < points.length && points[first + 1].t <= start) {
      first++;
    }
    if (first > 0) {
      points.splice(0, first);
    }
    if (points.length > MAX_POINTS) {
      points.splice(0, points.length - MAX_POINTS);
    }
    const pad = Math.round(4 * ratio);
    const high = pad;
    const low = ht - pad;
    g.lineWidth = Math.max(1, Math.round(1.5 * ratio));
    let previousY = null;
    for (let k = 0; k < points.length; k++) {
      const p = points[k];
      const x0 = x(Math.max(p.t, start));
      const x1 = x(k + 1 < points.length ? points[k + 1].t : now);
      const y = p.level ? high : low;
      const released = p.direction === 'released';
      const colour = released ? colours.released : p.direction === 'output' ? colours.output : colours.input;
      if (p.level && !released) {
        g.globalAlpha = 0.15;
        g.fillStyle = colour;
        g.fillRect(x0, high, Math.max(1, x1 - x0), low - high);
        g.globalAlpha = 1;
      }
      g.strokeStyle = colour;
      g.setLineDash(released ? [4 * ratio, 3 * ratio] : []);
      g.beginPath();
      g.moveTo(x0, previousY === null ? y : previousY);
      g.lineTo(x0, y);
      g.lineTo(x1, y);
      g.stroke();
      previousY = y;
    }
    g.setLineDash([]);
  }

  let lastWaves = 0;
  function frame() {
    requestAnimationFrame(frame);
    for (const r of dirtyRows) {
      if (devices.get(r.dev.name) === r.dev) {
        updateRow(r.dev, r.line);
      }
    }
    dirtyRows.clear();
    for (const dev of dirtyLogs) {
      renderLog(dev);
    }
    dirtyLogs.clear();
    const now = performance.now();
    if (now - lastWaves < 33) {
      return;
    }
    lastWaves = now;
    for (const dev of devices.values()) {
      for (const r of dev.rows) {
        drawWave(r, now);
      }
    }
  }

  readColours();
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', readColours);
  requestAnimationFrame(frame);
  connect();
})();
