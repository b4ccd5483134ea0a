// Interchange's live dashboard: signs in with the shared identity (GraphQL `login`), then shows one panel
// per application, each loaded by a query and kept current by a subscription over graphql-ws (the
// graphql-transport-ws protocol, spoken here directly: no library, no CDN). The server decides what the
// account may see; a panel the account has no access to says so. A revoked session (socket closed with
// 4401) signs the page out.

import { DOCUMENTS, REPORT_STATES } from './documents.mjs';

const TOKEN_KEY = 'interchange.dashboard.token';
const $ = (sel) => document.querySelector(sel);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else node.setAttribute(k, v);
  }
  for (const c of children.flat()) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

const svgEl = (tag, attrs = {}) => {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
};

// --- GraphQL over HTTP ---------------------------------------------------------------------------

class GraphQLErrors extends Error {
  constructor(errors) {
    super(errors.map((e) => e.message).join('; '));
    this.codes = errors.map((e) => e.extensions?.code);
  }
}

async function gql(query, variables = {}, token = sessionStorage.getItem(TOKEN_KEY)) {
  const res = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors?.length) throw new GraphQLErrors(body.errors);
  return body.data;
}

const denied = (err) => err instanceof GraphQLErrors && err.codes.some((c) => c === 'FORBIDDEN' || c === 'UNAUTHENTICATED');

// --- graphql-ws (graphql-transport-ws) -----------------------------------------------------------

class LiveSocket {
  constructor(token, { onRevoked, onState }) {
    this.token = token;
    this.onRevoked = onRevoked;
    this.onState = onState;
    this.subs = new Map();
    this.nextId = 1;
    this.retry = 0;
    this.closed = false;
    this.open();
  }

  open() {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
    const ws = (this.ws = new WebSocket(url, 'graphql-transport-ws'));
    this.acked = false;
    ws.onopen = () => ws.send(JSON.stringify({ type: 'connection_init', payload: { token: this.token } }));
    ws.onmessage = (m) => this.message(JSON.parse(m.data));
    ws.onclose = (e) => {
      this.onState('down');
      if (this.closed) return;
      if (e.code === 4401 || e.code === 4403) return this.onRevoked();
      // reconnect with backoff; panels reload when the socket is back (events may have been missed)
      const wait = Math.min(10000, 500 * 2 ** this.retry++);
      setTimeout(() => !this.closed && this.open(), wait);
    };
  }

  message(msg) {
    if (msg.type === 'connection_ack') {
      this.acked = true;
      this.retry = 0;
      this.onState('up');
      for (const [id, s] of this.subs) this.send(id, s);
      for (const s of this.subs.values()) s.onReconnect?.();
    } else if (msg.type === 'ping') {
      this.ws.send(JSON.stringify({ type: 'pong' }));
    } else if (msg.type === 'next') {
      this.subs.get(msg.id)?.onNext(msg.payload);
    } else if (msg.type === 'error') {
      const s = this.subs.get(msg.id);
      this.subs.delete(msg.id);
      s?.onError(msg.payload);
    }
  }

  send(id, s) {
    this.ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query: s.query, variables: s.variables } }));
  }

  subscribe(query, variables, handlers) {
    const id = String(this.nextId++);
    const s = { query, variables, ...handlers };
    this.subs.set(id, s);
    if (this.acked) this.send(id, s);
    return () => {
      if (this.subs.delete(id) && this.acked) this.ws.send(JSON.stringify({ id, type: 'complete' }));
    };
  }

  close() {
    this.closed = true;
    this.ws.close(1000, 'signed out');
  }
}

// --- panels ----------------------------------------------------------------------------------------

const isoDay = (d) => d.toISOString().slice(0, 10);
const addDays = (d, n) => new Date(d.getTime() + n * 86400000);

function show(panel, content) {
  const body = $(`#panel-${panel} .body`);
  body.replaceChildren(content);
  body.classList.remove('flash');
  void body.offsetWidth; // restart the highlight
  body.classList.add('flash');
  body.dataset.updated = String(Date.now());
}

const none = (text) => el('p', { class: 'none' }, text);

/** A panel: `load()` renders it; `live(socket, reload)` subscribes; denied loads say so. */
const panels = {
  coparent: {
    async load() {
      const today = new Date();
      const monday = addDays(today, -((today.getUTCDay() + 6) % 7));
      const days = Array.from({ length: 7 }, (_, i) => isoDay(addDays(monday, i)));
      const months = [...new Set(days.map((d) => d.slice(0, 7)))];
      const q = DOCUMENTS.DashboardCoparentWeek;
      const items = (await Promise.all(months.map((month) => gql(q, { month })))).flatMap((d) => d.coparentItems).filter((i) => days.includes(i.date));
      this.months = months;
      return items.length
        ? el(
            'ul',
            {},
            items.map((i) => el('li', { 'data-item': i.id }, el('span', {}, `${i.date} · ${i.title}`), el('small', {}, `${i.type} · ${i.owner.username ?? ''}`))),
          )
        : none('Nothing this week.');
    },
    live(socket, reload) {
      const q = DOCUMENTS.DashboardCoparentLive;
      return (this.months ?? [isoDay(new Date()).slice(0, 7)]).map((month) => socket.subscribe(q, { month }, { onNext: reload, onReconnect: reload, onError: () => undefined }));
    },
  },

  cake: {
    async load() {
      const today = new Date();
      const d = await gql(DOCUMENTS.DashboardCake, {
        today: isoDay(today),
        until: isoDay(addDays(today, 60)),
        since: isoDay(addDays(today, -60)),
        yesterday: isoDay(addDays(today, -1)),
      });
      const upcoming = d.upcoming
        .slice()
        .sort((a, b) => a.date.localeCompare(b.date))
        .slice(0, 8);
      const rated = d.recent
        .filter((e) => e.rating.count > 0)
        .sort((a, b) => b.date.localeCompare(a.date))
        .slice(0, 8);
      return el(
        'div',
        {},
        el('h3', {}, 'Upcoming'),
        upcoming.length
          ? el(
              'ul',
              {},
              upcoming.map((e) => el('li', { 'data-cake': e.id }, el('span', {}, `${e.date} · ${e.description || 'Cake'}`), el('small', {}, `${e.baker.name} · ${e.group.name}`))),
            )
          : none('No cakes planned.'),
        el('h3', {}, 'Latest ratings'),
        rated.length
          ? el(
              'ul',
              {},
              rated.map((e) => el('li', {}, el('span', {}, `${e.date} · ${e.description || 'Cake'}`), el('small', {}, `★ ${e.rating.average.toFixed(1)} (${e.rating.count})`))),
            )
          : none('No ratings yet.'),
      );
    },
    live(socket, reload) {
      return [socket.subscribe(DOCUMENTS.DashboardCakeLive, {}, { onNext: reload, onReconnect: reload, onError: () => undefined })];
    },
  },

  compass: {
    async load() {
      const d = await gql(DOCUMENTS.DashboardCompass);
      return renderAnalytics(d.compassAnalytics);
    },
    live(socket) {
      return [
        socket.subscribe(
          DOCUMENTS.DashboardCompassLive,
          {},
          {
            onNext: (r) => r.data && show('compass', renderAnalytics(r.data.compassAnalyticsChanged)),
            onError: () => undefined,
          },
        ),
      ];
    },
  },

  conduct: {
    async load() {
      const d = await gql(DOCUMENTS.DashboardConductEvents);
      const mine = d.conductMyEvents.slice(0, 6);
      this.events = mine.map((m) => m.event);
      if (!mine.length) return none('You hold no role in any event.');
      const q = DOCUMENTS.DashboardConductReports;
      const pages = await Promise.all(mine.map((m) => gql(q, { e: m.event.id }).then((r) => r.conductReports)));
      return el(
        'div',
        {},
        mine.map((m, i) =>
          el('section', { class: 'event', 'data-event': m.event.slug }, el('h3', {}, m.event.name, ' ', el('small', {}, m.roles.join(', '))), renderReportStates(pages[i])),
        ),
      );
    },
    live(socket, reload) {
      const members = DOCUMENTS.DashboardConductMembers;
      const reports = DOCUMENTS.DashboardConductReportsLive;
      return (this.events ?? []).flatMap((e) => [
        socket.subscribe(members, { e: e.id }, { onNext: reload, onReconnect: reload, onError: () => undefined }),
        socket.subscribe(reports, { e: e.id }, { onNext: reload, onReconnect: reload, onError: () => undefined }),
      ]);
    },
  },

  notifications: {
    async load() {
      const d = await gql(DOCUMENTS.DashboardNotifications);
      const page = d.myConductNotifications;
      return el(
        'div',
        {},
        el('p', {}, `${page.unreadCount} unread`),
        page.notifications.length
          ? el(
              'ul',
              {},
              page.notifications.map((n) =>
                el('li', { 'data-notification': n.id, class: n.isRead ? 'read' : 'unread' }, el('span', {}, n.title), el('small', {}, `${n.event?.name ?? ''} · ${n.message}`)),
              ),
            )
          : none('No notifications.'),
      );
    },
    live(socket, reload) {
      return [socket.subscribe(DOCUMENTS.DashboardNotificationsLive, {}, { onNext: reload, onReconnect: reload, onError: () => undefined })];
    },
  },
};

const STATES = REPORT_STATES;
const STATE_COLORS = ['#b3261e', '#ef6c00', '#f9a825', '#2e7d32', '#757575'];

/** An event's reports by state as one stacked bar with its legend, then the newest reports. */
function renderReportStates(page) {
  const width = 320;
  const svg = svgEl('svg', { width, height: 18, role: 'img', 'aria-label': 'reports by state' });
  const total = page.stats.total || 1;
  let x = 0;
  STATES.forEach((st, k) => {
    const w = (width * page.stats[st]) / total;
    if (w > 0) svg.append(svgEl('rect', { x, y: 2, width: w, height: 14, fill: STATE_COLORS[k], 'data-state': st }));
    x += w;
  });
  const legend = el(
    'p',
    { class: 'legend' },
    STATES.map((st) => el('span', { 'data-state': st }, el('i', { class: `swatch s-${st}` }), `${st} ${page.stats[st]}`)),
  );
  return el(
    'div',
    {},
    el('p', { class: 'count' }, `${page.stats.total} reports`),
    page.stats.total ? svg : none('No reports yet.'),
    legend,
    page.reports.length
      ? el(
          'ul',
          {},
          page.reports.map((r) => el('li', { 'data-report': r.id }, el('span', {}, r.title), el('small', {}, r.state.toLowerCase()))),
        )
      : '',
  );
}

/** The answer distribution as stacked bars (agree → disagree) per question, and the top matches. */
function renderAnalytics(a) {
  const colors = ['#2e7d32', '#81c784', '#bdbdbd', '#e57373', '#b3261e'];
  const rows = a.distribution.slice(0, 12);
  const width = 320;
  const svg = svgEl('svg', { width, height: rows.length * 16 + 4, role: 'img', 'aria-label': 'answer distribution' });
  rows.forEach((r, i) => {
    const counts = [r.stronglyAgree, r.agree, r.neutral, r.disagree, r.stronglyDisagree];
    const total = counts.reduce((s, n) => s + n, 0) || 1;
    let x = 40;
    counts.forEach((n, k) => {
      const w = ((width - 40) * n) / total;
      svg.append(svgEl('rect', { x, y: i * 16 + 2, width: w, height: 12, fill: colors[k] }));
      x += w;
    });
    const label = svgEl('text', { x: 0, y: i * 16 + 12 });
    label.textContent = `Q${r.question.id}`;
    svg.append(label);
  });
  return el(
    'div',
    {},
    el('p', {}, `${a.totals.usersAnswered} of ${a.totals.users} users answered`),
    rows.length ? svg : none('No questions yet.'),
    el('h3', {}, 'Top matches'),
    a.topMatches.length
      ? el(
          'ul',
          {},
          a.topMatches.slice(0, 5).map((m) => el('li', {}, el('span', {}, m.party.name), el('small', {}, `${m.users} users`))),
        )
      : none('No matches yet.'),
  );
}

// --- page ------------------------------------------------------------------------------------------

let socket;
let unsubscribers = [];

async function refresh(name, panel) {
  try {
    show(name, await panel.load());
    return true;
  } catch (err) {
    show(name, none(denied(err) ? 'Not available for this account.' : `Could not load: ${err.message}`));
    return false;
  }
}

async function start(token) {
  let me;
  try {
    me = (await gql(DOCUMENTS.DashboardMe, {}, token)).me;
  } catch {
    return signOut();
  }
  $('#sign-in').hidden = true;
  $('#panels').hidden = false;
  $('#who').hidden = false;
  $('#who-name').textContent = me.name || me.username;
  socket = new LiveSocket(token, {
    onRevoked: () => signOut('Your session ended.'),
    onState: (state) => ($('#link').className = `link ${state}`),
  });
  for (const [name, panel] of Object.entries(panels)) {
    if (!(await refresh(name, panel))) continue;
    const reload = () => refresh(name, panel);
    unsubscribers.push(...panel.live(socket, reload));
  }
  document.body.dataset.ready = 'true';
}

function signOut(message = '') {
  for (const u of unsubscribers) u();
  unsubscribers = [];
  socket?.close();
  socket = undefined;
  sessionStorage.removeItem(TOKEN_KEY);
  delete document.body.dataset.ready;
  $('#panels').hidden = true;
  $('#who').hidden = true;
  $('#sign-in').hidden = false;
  $('#sign-in-error').textContent = message;
}

$('#sign-in').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = new FormData(e.target);
  $('#sign-in-error').textContent = '';
  try {
    const d = await gql(DOCUMENTS.DashboardLogin, { input: { login: form.get('login'), password: form.get('password') } }, null);
    if (!d.login.token) throw new Error(d.login.requiresTwoFactor ? 'Two-factor sign-in is not supported here yet.' : 'Sign-in failed.');
    sessionStorage.setItem(TOKEN_KEY, d.login.token);
    await start(d.login.token);
  } catch (err) {
    $('#sign-in-error').textContent = err.message;
  }
});

$('#sign-out').addEventListener('click', async () => {
  const token = sessionStorage.getItem(TOKEN_KEY);
  signOut();
  if (token) await gql(DOCUMENTS.DashboardLogout, {}, token).catch(() => undefined);
});

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) void start(saved);
