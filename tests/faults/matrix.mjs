// The fault matrix: real processes (the published app as four roles, participants on durable
// SQLite stores), a proxy this script controls between the orchestrator and each participant, and
// for each fault × participant a batch of random, concurrent, seeded orders. After each batch it
// waits for every order to end and checks the invariant: a confirmed order holds all three
// reservations, any other order holds none, and every SKU's reserved stock and every slot's bookings
// are exactly those of the confirmed orders.
//
// Usage: node tests/faults/matrix.mjs APP_DIR WORK_DIR
//   FAULT_SEED=N       seed (default: random, printed); the same seed replays the same orders and faults
//   FAULT_CELLS=REGEX  only the cells whose id matches, e.g. FAULT_CELLS='^slow/inventory$'
//   FAULT_ORDERS=N     orders per cell (default 50)
// Writes WORK_DIR/matrix.md (the table), WORK_DIR/matrix.json and WORK_DIR/matrix.counts ("PASSED FAILED").
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { freePort as anyFreePort } from '../../scripts/free-port.mjs';

const [appDir, workDir] = process.argv.slice(2);
if (!appDir || !workDir) {
  console.error('usage: node tests/faults/matrix.mjs APP_DIR WORK_DIR');
  process.exit(2);
}
const seed = Number(process.env.FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
const cellFilter = new RegExp(process.env.FAULT_CELLS ?? '.');
const ordersPerCell = Number(process.env.FAULT_ORDERS ?? 50);
const concurrency = 8;
const convergeDeadlineMs = 90_000;
const participants = ['payment', 'inventory', 'delivery'];

// ---------- seeded randomness: one stream per purpose, so a cell replays exactly ----------

function hash(text) {
  let h = 2166136261;
  for (const ch of text) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}

function random(...key) {
  let a = hash([seed, ...key].join('|'));
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = (rnd, values) => values[Math.floor(rnd() * values.length)];

// ---------- processes ----------

// Ports come from scripts/free-port.mjs, never one the calling script has handed out already.
const givenByScript = (process.env.SAGA_PORTS_GIVEN ?? '').split(' ').filter(Boolean).map(Number);
const freePort = () => anyFreePort(givenByScript);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class Role {
  constructor(role, port, env) {
    Object.assign(this, { role, port, env, child: null, exited: null, crashes: [] });
    this.url = `http://127.0.0.1:${port}`;
  }

  // An exit nobody asked for (not kill() or stop()): remembered with the end of the role's log.
  watch(child) {
    child.once('exit', (code, signal) => {
      if (child.stopping) return;
      // What tells why: the runtime's own text (an unhandled exception is not a JSON line) and errors; else the last lines.
      const tail = fs.readFileSync(path.join(workDir, 'logs', `${this.role}.log`), 'utf8').trimEnd().split('\n').slice(-300);
      const telling = tail.filter((l) => !l.startsWith('{') || /"LogLevel":"(Error|Critical)"/.test(l));
      const lines = (telling.length > 0 ? telling : tail).slice(-15);
      this.crashes.push({ how: code === null ? `signal ${signal}` : `exit code ${code}`, log: lines.map((l) => l.slice(0, 400)) });
    });
  }

  // The exits nobody asked for since the last call, as problems of the cell that saw them.
  takeCrashes() {
    return this.crashes.splice(0).map((c) => `${this.role} exited on its own (${c.how}); the end of its log:\n            ${c.log.join('\n            ')}`);
  }

  running() {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start() {
    const log = fs.openSync(path.join(workDir, 'logs', `${this.role}.log`), 'a');
    this.child = spawn('dotnet', ['SagaDemo.dll'], {
      cwd: appDir,
      env: { ...process.env, ...this.env, ROLE: this.role, ASPNETCORE_URLS: this.url },
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    this.watch(this.child);
    this.exited = new Promise((resolve) => this.child.once('exit', resolve));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (!this.running()) throw new Error(`${this.role} exited (${this.child.exitCode ?? this.child.signalCode}); see ${workDir}/logs/${this.role}.log`);
      try {
        if ((await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(2000) })).ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`${this.role} did not answer /health within 60 s`);
  }

  async kill() {
    if (!this.running()) return;
    this.child.stopping = true;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  async stop() {
    if (!this.running()) return;
    this.child.stopping = true;
    this.child.kill('SIGTERM');
    if (!(await Promise.race([this.exited.then(() => true), sleep(5000).then(() => false)]))) await this.kill();
  }
}

// ---------- the proxy: one per participant, doing what the current fault says ----------

const upstreamAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function forward(req, body, port) {
  return new Promise((resolve, reject) => {
    const upstream = http.request(
      {
        host: '127.0.0.1', port, method: req.method, path: req.url, agent: upstreamAgent,
        headers: { 'content-type': req.headers['content-type'] ?? 'application/json', 'content-length': body.length },
      },
      (response) => {
        const chunks = [];
        response.on('data', (c) => chunks.push(c));
        response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks) }));
        response.on('error', reject);
      },
    );
    upstream.on('error', reject);
    upstream.end(body);
  });
}

function reply(res, answer) {
  if (res.destroyed) return;
  res.writeHead(answer.status, { 'content-type': answer.headers['content-type'] ?? 'application/json', 'content-length': answer.body.length });
  res.end(answer.body);
}

const unavailable = (role) => ({
  status: 503,
  headers: { 'content-type': 'application/problem+json' },
  body: Buffer.from(JSON.stringify({ title: 'Service Unavailable', status: 503, detail: `${role} is unavailable (fault injected by the matrix)` })),
});

class Proxy {
  constructor(role, participant) {
    Object.assign(this, { role, participant, fault: null, attempts: new Map() });
  }

  async listen() {
    this.port = await freePort();
    this.server = http.createServer((req, res) => this.handle(req, res).catch(() => res.destroy()));
    this.server.keepAliveTimeout = 60_000;
    await new Promise((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${this.port}`;
  }

  async handle(req, res) {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const action = req.url.endsWith('/reserve') ? 'reserve' : req.url.endsWith('/cancel') ? 'cancel' : 'read';
    let orderId = null;
    if (action !== 'read') {
      try {
        orderId = JSON.parse(body).order_id ?? null;
      } catch {
        // not JSON: passed on as it is
      }
    }
    const key = `${orderId}/${action}`;
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    // Faults hit reserves and cancels; a black hole (allRequests) swallows reads too.
    const plan = ((this.fault?.allRequests || (action !== 'read' && orderId)) && this.fault?.plan({ role: this.role, action, orderId, attempt })) || { kind: 'pass' };
    const send = () => forward(req, body, this.participant.port);

    switch (plan.kind) {
      case 'answer':
        return reply(res, plan.answer);
      case 'drop-request':
        return res.socket.destroy();
      case 'drop-response':
        await send();
        return res.socket.destroy();
      case 'delay':
        await sleep(plan.ms);
        return reply(res, await send());
      case 'hang':
        // Black-holed: the connection is accepted and held, nothing is sent on, no answer ever comes.
        await sleep(plan.ms);
        return res.socket.destroy();
      case 'duplicate': {
        const first = await send();
        setTimeout(() => send().catch(() => {}), plan.ms);
        return reply(res, first);
      }
      case 'kill-before':
        await plan.kill();
        return res.socket.destroy();
      case 'kill-after':
        await send();
        await plan.kill();
        return res.socket.destroy();
      default:
        // A participant that is down: the orchestrator sees the connection drop (handle's catch).
        return reply(res, await send());
    }
  }
}

// ---------- the faults ----------

// How many tries of one (order, action) a per-request fault hits: seeded per order and action.
// More than the orchestrator's 4 tries (1 + 3 retries) makes the step fail, or the compensation retry.
const hits = (cell, r, choices) => pick(random(cell, r.orderId, r.action), choices);

const faults = [
  {
    id: '503', name: 'answers 503 a few times, then recovers', on: participants,
    plan: (cell, r) => r.attempt <= hits(cell, r, [1, 2, 2, 3, 3, 5]) && { kind: 'answer', answer: unavailable(r.role) },
  },
  {
    id: 'request-lost', name: 'request lost (connection dropped before it arrives)', on: participants,
    plan: (cell, r) => r.attempt <= hits(cell, r, [0, 1, 1, 2, 5]) && { kind: 'drop-request' },
  },
  {
    id: 'response-lost', name: 'response lost (the work is done, the answer never arrives)', on: participants,
    plan: (cell, r) => r.attempt <= hits(cell, r, [0, 1, 1, 2, 5]) && { kind: 'drop-response' },
  },
  {
    id: 'slow', name: 'slower than the per-try timeout (the request lands late)', on: participants,
    plan: (cell, r) => r.attempt <= hits(cell, r, [0, 1, 1, 2, 4]) &&
      { kind: 'delay', ms: 650 + Math.floor(random(cell, r.orderId, r.action, r.attempt)() * 400) },
  },
  {
    id: 'duplicate', name: 'every request delivered twice (the copy up to 300 ms later)', on: participants,
    plan: (cell, r) => ({ kind: 'duplicate', ms: Math.floor(random(cell, r.orderId, r.action, r.attempt)() * 300) }),
  },
  {
    id: 'participant-restart', name: 'participant killed (-9) and restarted mid-batch', on: participants,
    during: async (system, role, started) => {
      for (const at of [12, 30]) {
        await started(at);
        await system.roles[role].kill();
        await sleep(1000);
        await system.roles[role].start();
      }
    },
  },
  {
    id: 'kill-before-reserve', name: 'orchestrator killed (-9) before a reserve reaches the participant', on: participants,
    kills: { action: 'reserve', at: [3, 17, 31], kind: () => 'kill-before' },
  },
  {
    id: 'kill-after-reserve', name: 'orchestrator killed (-9) after a reserve, before its answer', on: participants,
    kills: { action: 'reserve', at: [3, 17, 31], kind: () => 'kill-after' },
  },
  {
    id: 'kill-compensating', name: 'orchestrator killed (-9) during compensation (before or after a cancel)', on: ['payment', 'inventory'],
    kills: { action: 'cancel', at: [2, 5, 8], kind: (n) => (n % 2 ? 'kill-before' : 'kill-after') },
  },
  {
    id: 'black-holed', name: 'black-holed for 4 s (accepts the connection, never answers), then back', on: participants,
    plan: (cell, r, state) => {
      state.since ??= Date.now();
      const left = 4000 - (Date.now() - state.since);
      return left > 0 && { kind: 'hang', ms: left };
    },
  },
  {
    id: 'disk-full', name: 'its volume fills up (a real filesystem, full), then space is freed', on: [...participants, 'order'],
    during: async (system, role, started, more) => {
      await started(10);
      const volume = system.volumes[role];
      volume.fill();
      const extra = [];
      try {
        // SQLite goes on writing into the WAL's space after a checkpoint until the WAL must grow:
        // orders keep coming (more of them, checked like the batch's) until a write finds no space
        // and readiness says so.
        const isFull = (h) => h.status === 503 && h.body?.reasons?.[volume.check] === 'out of space';
        const deadline = Date.now() + 60_000;
        let full = false;
        while (!full && Date.now() < deadline) {
          extra.push(...await more(8));
          full = await system.health(role, isFull, 0);
        }
        if (!full) return { orders: extra, problems: [`${role}: /health never reported "out of space" while its volume was full`] };
      } finally {
        volume.free();
      }
      const ready = await system.health(role, (h) => h.status === 200 && !h.body?.reasons, 20_000);
      return { orders: extra, problems: ready ? [] : [`${role}: /health did not become ready again once space was freed`] };
    },
  },
  {
    id: 'cancel-fails', name: 'compensation fails for a while (503 for 3 s), then succeeds', on: ['payment', 'inventory'],
    plan: (cell, r, state) => {
      if (r.action !== 'cancel') return false;
      state.since ??= Date.now();
      return Date.now() - state.since < 3000 && { kind: 'answer', answer: unavailable(r.role) };
    },
  },
];

// ---------- the system ----------

const orchestratorEnv = (proxies, dataDir) => ({
  Storage__Provider: 'sqlite',
  ConnectionStrings__Orders: `Data Source=${dataDir}/orders.db`,
  PAYMENT_URL: proxies.payment.url,
  INVENTORY_URL: proxies.inventory.url,
  DELIVERY_URL: proxies.delivery.url,
  Resilience__RetryCount: '3',
  Resilience__RetryBaseDelay: '00:00:00.020',
  Resilience__PerTryTimeout: '00:00:00.500',
  Resilience__BreakerDuration: '00:00:01',
  Saga__CompensationAttempts: '2',
  Saga__CompensationBaseDelay: '00:00:00.050',
  Saga__CompensationMaxDelay: '00:00:00.200',
  Recovery__Interval: '00:00:00.250',
  Recovery__LeaseDuration: '00:00:04',
  Recovery__RetryBaseDelay: '00:00:00.200',
  Recovery__RetryMaxDelay: '00:00:01',
  Recovery__MaxCompensationRounds: '100',
  Reconcile__Interval: '00:00:01',
  Reconcile__GracePeriod: '00:00:05',
  Logging__LogLevel__Default: 'Warning',
});

// Each role's SQLite files live on a filesystem of their own (a tmpfs this script mounts and
// unmounts), so the disk-full cell can fill one for real: a file takes every free block, and
// deleting it gives the space back.
const mounted = [];

class Volume {
  constructor(dir, check) {
    Object.assign(this, { dir, check, filler: path.join(dir, 'filler') });
    fs.mkdirSync(dir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m,mode=0755', `saga-faults-${path.basename(dir)}`, dir]);
    mounted.push(dir);
  }

  fill() {
    // Writes until the filesystem says ENOSPC: big pieces first, then single blocks.
    const fd = fs.openSync(this.filler, 'a');
    try {
      for (const size of [1 << 20, 4096]) {
        try {
          for (;;) fs.writeSync(fd, Buffer.alloc(size));
        } catch (error) {
          if (error.code !== 'ENOSPC') throw error;
        }
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  free() {
    fs.rmSync(this.filler, { force: true });
  }
}

function unmountAll() {
  for (const dir of mounted.splice(0)) {
    try {
      execFileSync('umount', ['-l', dir]);
    } catch (error) {
      console.error(`could not unmount ${dir}: ${error.message}`);
    }
  }
}

async function startSystem(dataDir) {
  const roles = {};
  const proxies = {};
  const volumes = {};
  for (const role of participants) {
    volumes[role] = new Volume(path.join(dataDir, role), 'reservation_store');
    roles[role] = new Role(role, await freePort(), {
      Storage__Provider: 'sqlite',
      ConnectionStrings__Reservations: `Data Source=${dataDir}/${role}/${role}.db`,
      Inventory__InitialStock: '40',
      Delivery__SlotCapacity: '10',
      Logging__LogLevel__Default: 'Warning',
    });
    proxies[role] = new Proxy(role, roles[role]);
  }
  await Promise.all(participants.map((role) => roles[role].start()));
  await Promise.all(participants.map((role) => proxies[role].listen()));
  volumes.order = new Volume(path.join(dataDir, 'order'), 'order_store');
  roles.order = new Role('order', await freePort(), orchestratorEnv(proxies, path.join(dataDir, 'order')));
  await roles.order.start();

  let restarting = null;
  return {
    roles,
    proxies,
    volumes,
    url: roles.order.url,
    // Polls a role's /health until what it answers passes the test; false at the deadline.
    async health(role, test, deadlineMs) {
      const deadline = Date.now() + deadlineMs;
      for (;;) {
        const answer = await getJson(`${roles[role].url}/health`, { any: true });
        if (test(answer)) return true;
        if (Date.now() >= deadline) return false;
        await sleep(100);
      }
    },
    // Kills the orchestrator where it stands and starts a new one on the same store (one at a time).
    async killOrchestrator() {
      if (restarting) return false;
      await roles.order.kill();
      restarting = roles.order.start().finally(() => (restarting = null));
      return true;
    },
    settled: () => restarting ?? Promise.resolve(),
    // The roles that exited on their own since the last call, as problems; each is started again
    // on its store, so one crash fails its own cell, not every cell after it.
    async crashes() {
      await restarting?.catch(() => {});
      const problems = Object.values(roles).flatMap((r) => r.takeCrashes());
      for (const r of Object.values(roles).filter((r) => !r.running())) await r.start();
      return problems;
    },
    async stop() {
      // A restart still under way would spawn an orchestrator after the others stopped: let it finish first.
      await restarting?.catch(() => {});
      await Promise.all(Object.values(roles).map((r) => r.stop()));
      await Promise.all(Object.values(proxies).map((p) => new Promise((resolve) => (p.server ? p.server.close(resolve) : resolve()))));
      upstreamAgent.destroy();
    },
  };
}

// ---------- a batch ----------

function slotOf(cellIndex, n) {
  const day = new Date(Date.UTC(2030, 0, 1) + (cellIndex * 8 + n) * 86_400_000);
  return `${day.toISOString().slice(0, 10)}T10:00`;
}

// A cell's batch: seeded, some forced to fail at a step.
function ordersFor(cell, cellIndex) {
  const rnd = random(cell, 'orders');
  const prefix = `${cell.replace('/', '-')}-${seed}`;
  return Array.from({ length: ordersPerCell }, (_, i) => {
    const failure = rnd();
    return {
      order_id: `${prefix}-${i}`,
      amount: Math.round((1 + rnd() * 499) * 100) / 100,
      sku: `${prefix}-SKU-${Math.floor(rnd() * 3)}`,
      quantity: 1 + Math.floor(rnd() * 5),
      slot: slotOf(cellIndex, Math.floor(rnd() * 6)),
      force_payment_failure: failure < 0.1,
      force_inventory_failure: failure >= 0.1 && failure < 0.25,
      force_delivery_failure: failure >= 0.25 && failure < 0.45,
    };
  });
}

// More orders after the batch (numbered on from it), for a fault that needs more load: each on a
// SKU and a slot of its own, none forced to fail, so every one reaches every participant.
function moreOrdersFor(cell, cellIndex, count, from) {
  const prefix = `${cell.replace('/', '-')}-${seed}`;
  return Array.from({ length: count }, (_, i) => ({
    order_id: `${prefix}-${from + i}`, amount: 10, sku: `${prefix}-SKU-MORE-${from + i}`, quantity: 1,
    slot: `${slotOf(cellIndex, 7).slice(0, 11)}${String(Math.floor((from + i) / 60) % 24).padStart(2, '0')}:${String((from + i) % 60).padStart(2, '0')}`,
    force_payment_failure: false, force_inventory_failure: false, force_delivery_failure: false,
  }));
}

// Places one order like a careful client: a lost connection is retried with the same body (the
// orchestrator answers a repeated order_id with the order it has); any HTTP answer ends it.
async function place(system, order) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const response = await fetch(`${system.url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(order),
        signal: AbortSignal.timeout(30_000),
      });
      await response.arrayBuffer();
      return response.status;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`POST /orders for ${order.order_id} failed for 60 s: ${error.cause?.code ?? error.message}`);
      await sleep(100);
      await system.settled();
    }
  }
}

async function getJson(url, { any = false } = {}) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return { status: response.status, body: response.status === 200 || any ? await response.json() : null };
  } catch (error) {
    return { status: 0, error: error.cause?.code ?? error.message };
  }
}

async function inParallel(items, limit, work) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i], i);
    }
  }));
  return results;
}

// Reads every order and every participant's own record of it (directly, not through the proxies);
// returns the orders not final yet and whatever breaks the invariant.
async function inspect(system, orders) {
  const states = await inParallel(orders, 16, async (order) => {
    const view = await getJson(`${system.url}/orders/${order.order_id}`);
    const held = {};
    for (const role of participants) {
      const r = await getJson(`${system.roles[role].url}/${role}/reservations/${order.order_id}`);
      held[role] = r.status === 200 ? r.body.status : r.status === 404 ? 'none' : `unreadable (${r.status || r.error})`;
    }
    const status = view.status === 200 ? view.body.status : view.status === 404 ? 'never accepted' : `unreadable (${view.status || view.error})`;
    return { order, status, history: view.body?.history ?? [], held };
  });

  const unfinished = states.filter((s) => !['confirmed', 'cancelled', 'never accepted'].includes(s.status));
  const violations = [];
  for (const s of states) {
    const reserved = participants.filter((role) => s.held[role] === 'reserved');
    if (s.status === 'confirmed' && reserved.length !== 3) violations.push(`${s.order.order_id} is confirmed but holds only [${reserved}] (${JSON.stringify(s.held)})`);
    if (s.status !== 'confirmed' && reserved.length > 0) violations.push(`${s.order.order_id} is ${s.status} but still holds [${reserved}]`);
  }
  const confirmed = states.filter((s) => s.status === 'confirmed').map((s) => s.order);
  for (const sku of new Set(orders.map((o) => o.sku))) {
    const expected = confirmed.filter((o) => o.sku === sku).reduce((sum, o) => sum + o.quantity, 0);
    const stock = await getJson(`${system.roles.inventory.url}/inventory/stock/${sku}`);
    if (stock.body?.reserved !== expected) violations.push(`stock of ${sku}: ${stock.body?.reserved} reserved, the confirmed orders hold ${expected}`);
  }
  for (const slot of new Set(orders.map((o) => o.slot))) {
    const expected = confirmed.filter((o) => o.slot === slot).length;
    const booked = await getJson(`${system.roles.delivery.url}/delivery/slots/${slot}`);
    if (booked.body?.booked !== expected) violations.push(`slot ${slot}: ${booked.body?.booked} booked, the confirmed orders hold ${expected}`);
  }
  return { states, unfinished, violations };
}

async function runCell(system, fault, cell, role, cellIndex) {
  const orders = ordersFor(cell, cellIndex);
  const state = {};
  let kills = 0;
  let matching = 0;
  let startedCount = 0;
  const waiters = [];
  const started = (n) => (startedCount >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve })));

  const proxy = system.proxies[role];
  proxy.fault = {
    plan(r) {
      if (fault.plan) return fault.plan(cell, r, state);
      if (fault.kills && r.action === fault.kills.action && r.attempt === 1) {
        matching++;
        const n = fault.kills.at.indexOf(matching);
        if (n >= 0) {
          return { kind: fault.kills.kind(n), kill: async () => { if (await system.killOrchestrator()) kills++; } };
        }
      }
      return false;
    },
  };

  const began = Date.now();
  // A fault's own failure is the cell's problem, reported with it (never an unhandled rejection that kills the run).
  let placedMore = orders.length;
  const more = async (count) => {
    const extra = moreOrdersFor(cell, cellIndex, count, placedMore);
    placedMore += count;
    await inParallel(extra, concurrency, (order) => place(system, order));
    return extra;
  };
  const during = fault.during?.(system, cell.split('/')[1], started, more)
    .catch((error) => ({ problems: [`the fault itself failed: ${error.message}`] }));
  const answers = await inParallel(orders, concurrency, async (order) => {
    startedCount++;
    for (const w of waiters.filter((w) => startedCount >= w.n)) w.resolve();
    return place(system, order);
  });
  for (const w of waiters) w.resolve();
  const duringResult = await during;
  const duringProblems = duringResult?.problems ?? [];
  orders.push(...(duringResult?.orders ?? []));
  proxy.fault = null;
  const sent = Date.now();

  // Converged: every order final and the invariant holding. Poll until then, or until the deadline.
  let result;
  do {
    await system.settled();
    result = await inspect(system, orders);
    if (result.unfinished.length === 0 && result.violations.length === 0) break;
    await sleep(250);
  } while (Date.now() - sent < convergeDeadlineMs);
  duringProblems.push(...(await system.crashes()));
  const converged = result.unfinished.length === 0 && result.violations.length === 0;

  const count = (status) => result.states.filter((s) => s.status === status).length;
  return {
    cell,
    fault: fault.name,
    participant: role,
    orders: orders.length,
    confirmed: count('confirmed'),
    cancelled: count('cancelled'),
    unfinished: result.unfinished.length,
    violations: result.violations.length + duringProblems.length,
    reconciled: result.states.filter((s) => s.history.some((h) => h.action === 'reconcile')).length,
    orchestrator_kills: kills,
    answers: Object.fromEntries([...new Set(answers)].sort().map((s) => [s, answers.filter((a) => a === s).length])),
    batch_seconds: (sent - began) / 1000,
    converge_seconds: converged ? (Date.now() - sent) / 1000 : null,
    problems: [...duringProblems, ...result.violations, ...result.unfinished.map((s) => `${s.order.order_id} is still ${s.status}`)].slice(0, 10),
  };
}

// ---------- overload: a black-holed participant under 200 concurrent clients ----------

// The orchestrator's memory (working set, MiB) and thread-pool threads, as its own /metrics reports
// them (the runtime's meter): read over HTTP, so it holds wherever the processes run. null when
// no answer came within a second.
async function orchestratorUsage(system) {
  try {
    const text = await (await fetch(`${system.url}/metrics`, { signal: AbortSignal.timeout(1000) })).text();
    const metric = (name) => Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
    const usage = { rssMiB: metric('dotnet_process_memory_working_set_bytes') / 1048576, threads: metric('dotnet_thread_pool_thread_count_total') };
    return Number.isFinite(usage.rssMiB) && Number.isFinite(usage.threads) ? usage : null;
  } catch {
    return null;
  }
}

const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);

// Inventory accepts connections and never answers for the whole run; 200 clients each place an
// order, wait a second and place another. Once the breaker is open (after the first calls time
// out) new orders must be answered in under a second, the orchestrator's memory and threads must
// stay bounded, and when inventory is back every accepted order must end confirmed or cancelled
// with the invariant holding.
async function runOverload(system, cellIndex) {
  const cell = 'overload/inventory';
  const clients = Number(process.env.FAULT_OVERLOAD_CLIENTS ?? 200);
  const seconds = Number(process.env.FAULT_OVERLOAD_SECONDS ?? 60);
  const warmupMs = 5000;
  const proxy = system.proxies.inventory;
  const holdMs = (seconds + 30) * 1000;
  // Everything, reads included: a read that got through would close the breaker in the middle of the run.
  proxy.fault = { allRequests: true, plan: () => ({ kind: 'hang', ms: holdMs }) };
  const usage = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const at = Date.now();
      const now = await orchestratorUsage(system);
      if (now) usage.push({ at, ...now });
      await sleep(Math.max(0, at + 1000 - Date.now()));
    }
  })();

  const began = Date.now();
  const end = began + seconds * 1000;
  const orders = [];
  const answers = [];
  const prefix = `overload-${seed}`;
  const rnd = random(cell, 'orders');
  await Promise.all(Array.from({ length: clients }, async (_, client) => {
    for (let n = 0; Date.now() < end; n++) {
      const order = {
        order_id: `${prefix}-${client}-${n}`, amount: 10, sku: `${prefix}-SKU-${Math.floor(rnd() * 3)}`, quantity: 1,
        slot: slotOf(cellIndex, Math.floor(rnd() * 6)),
        force_payment_failure: false, force_inventory_failure: false, force_delivery_failure: false,
      };
      orders.push(order);
      const sent = Date.now();
      let status;
      try {
        const response = await fetch(`${system.url}/orders`, {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(order), signal: AbortSignal.timeout(30_000),
        });
        await response.arrayBuffer();
        status = response.status;
      } catch (error) {
        status = `error ${error.cause?.code ?? error.name}`;
      }
      answers.push({ sent, ms: Date.now() - sent, status });
      await sleep(1000);
    }
  }));
  sampling = false;
  await sampler;
  proxy.fault = null;
  const crashes = await system.crashes();
  const sentAll = Date.now();

  // The participant is back: every accepted order must end, and hold what its status says.
  let result;
  do {
    result = await inspect(system, orders);
    if (result.unfinished.length === 0 && result.violations.length === 0) break;
    await sleep(1000);
  } while (Date.now() - sentAll < convergeDeadlineMs);

  const afterOpen = answers.filter((a) => a.sent >= began + warmupMs).map((a) => a.ms).sort((a, b) => a - b);
  const steady = usage.filter((u) => u.at >= began + warmupMs);
  const peak = { rssMiB: Math.max(...steady.map((u) => u.rssMiB)), threads: Math.max(...steady.map((u) => u.threads)) };
  const firstHalf = steady.slice(0, Math.floor(steady.length / 2));
  const secondHalf = steady.slice(Math.floor(steady.length / 2));
  const peakOf = (samples, key) => Math.max(...samples.map((u) => u[key]));
  const problems = [];
  // Bounded memory is only shown by samples: most seconds of the run must have one.
  if (steady.length < (seconds - warmupMs / 1000) / 2) problems.push(`only ${steady.length} samples of the orchestrator's /metrics in ${seconds} s`);
  const p99 = percentile(afterOpen, 99);
  if (!(p99 < 1000)) problems.push(`once the breaker was open, p99 of new orders took ${p99} ms (must be under 1 s)`);
  // Bounded: the second half of the run needs no more memory or threads than the first (10 % slack).
  if (peakOf(secondHalf, 'rssMiB') > 1.1 * peakOf(firstHalf, 'rssMiB') + 16) {
    problems.push(`memory kept growing: peak ${peakOf(firstHalf, 'rssMiB').toFixed(0)} MiB in the first half, ${peakOf(secondHalf, 'rssMiB').toFixed(0)} MiB in the second`);
  }
  if (peakOf(secondHalf, 'threads') > 1.1 * peakOf(firstHalf, 'threads') + 4) {
    problems.push(`threads kept growing: ${peakOf(firstHalf, 'threads')} in the first half, ${peakOf(secondHalf, 'threads')} in the second`);
  }
  const errors = answers.filter((a) => typeof a.status !== 'number').length;
  if (errors > 0) problems.push(`${errors} request(s) got no HTTP answer`);
  problems.push(...crashes);
  problems.push(...result.violations, ...result.unfinished.map((s) => `${s.order.order_id} is still ${s.status}`));

  const count = (status) => result.states.filter((s) => s.status === status).length;
  const statuses = Object.fromEntries([...new Set(answers.map((a) => a.status))].sort().map((s) => [s, answers.filter((a) => a.status === s).length]));
  return {
    cell,
    fault: `black-holed for the whole run under ${clients} concurrent clients (${seconds} s), then back`,
    participant: 'inventory',
    orders: orders.length,
    confirmed: count('confirmed'),
    cancelled: count('cancelled'),
    unfinished: result.unfinished.length,
    violations: problems.length - result.unfinished.length,
    answers: statuses,
    latency_after_open_ms: { p50: percentile(afterOpen, 50), p99, max: afterOpen.at(-1) },
    orchestrator_peak: { rss_mib: Math.round(peak.rssMiB), threads: peak.threads },
    batch_seconds: (sentAll - began) / 1000,
    converge_seconds: result.unfinished.length === 0 && result.violations.length === 0 ? (Date.now() - sentAll) / 1000 : null,
    problems: problems.slice(0, 10),
  };
}

// ---------- the run ----------

function table(rows) {
  const lines = [
    '| fault | participant | orders | confirmed | cancelled | violations | converged in |',
    '|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    if (r.skipped) {
      lines.push(`| ${r.fault} | ${r.participant} | – | – | – | – | ${r.skipped} |`);
      continue;
    }
    const extra = [r.orchestrator_kills ? `${r.orchestrator_kills} kills` : '', r.reconciled ? `${r.reconciled} reconciled` : ''].filter(Boolean).join(', ');
    lines.push(`| ${r.fault}${extra ? ` (${extra})` : ''} | ${r.participant} | ${r.orders} | ${r.confirmed} | ${r.cancelled} | ` +
      `${r.violations + r.unfinished} | ${r.converge_seconds === null ? 'did not converge' : `${r.converge_seconds.toFixed(1)} s`} |`);
  }
  return lines.join('\n');
}

const dataDir = path.join(workDir, 'data');
fs.rmSync(workDir, { recursive: true, force: true });
fs.mkdirSync(path.join(workDir, 'logs'), { recursive: true });
fs.mkdirSync(dataDir, { recursive: true });

console.log(`Fault matrix: seed ${seed} (replay: FAULT_SEED=${seed}), ${ordersPerCell} orders per cell, ${concurrency} at a time`);
const began = Date.now();
const rows = [];
let passed = 0;
let failedCells = 0;
let system = null;
const stop = async () => system?.stop();
process.on('SIGINT', () => stop().finally(unmountAll).then(() => process.exit(130)));
process.on('SIGTERM', () => stop().finally(unmountAll).then(() => process.exit(143)));

try {
  system = await startSystem(dataDir);
  const control = { id: 'none', name: 'no fault (control)', on: ['all'] };
  const cells = [{ fault: control, role: 'all' },
    ...faults.flatMap((fault) => [...participants, ...(fault.on.includes('order') ? ['order'] : [])].map((role) => ({ fault, role })))];
  for (const [cellIndex, { fault, role }] of cells.entries()) {
    const cell = `${fault.id}/${role}`;
    if (!cellFilter.test(cell)) continue;
    if (!fault.on.includes(role)) {
      rows.push({ cell, fault: fault.name, participant: role, skipped: 'n/a: the last step is never compensated after its reserve succeeded' });
      continue;
    }
    // The control cell (and a cell about the orchestrator itself) injects nothing through a proxy;
    // it runs through payment's, which then does nothing either.
    const row = await runCell(system, fault, cell, participants.includes(role) ? role : 'payment', cellIndex);
    row.participant = role;
    rows.push(row);
    const ok = row.violations === 0 && row.unfinished === 0 && row.converge_seconds !== null;
    if (ok) passed++;
    else failedCells++;
    console.log(`  ${ok ? 'ok  ' : 'FAIL'}  ${cell.padEnd(30)} ${row.confirmed} confirmed, ${row.cancelled} cancelled, ${row.violations} violations, ` +
      `${row.converge_seconds === null ? 'did not converge' : `converged in ${row.converge_seconds.toFixed(1)} s`} (batch ${row.batch_seconds.toFixed(1)} s` +
      `${row.orchestrator_kills ? `, ${row.orchestrator_kills} orchestrator kills` : ''}${row.reconciled ? `, ${row.reconciled} reconciled` : ''})`);
    for (const problem of row.problems) console.log(`          ${problem}`);
  }
  if (cellFilter.test('overload/inventory')) {
    const row = await runOverload(system, cells.length);
    rows.push(row);
    const ok = row.violations === 0 && row.unfinished === 0 && row.converge_seconds !== null;
    if (ok) passed++;
    else failedCells++;
    console.log(`  ${ok ? 'ok  ' : 'FAIL'}  ${row.cell.padEnd(30)} ${row.orders} orders from 200 clients: ${JSON.stringify(row.answers)}; ` +
      `after the breaker opened p50 ${row.latency_after_open_ms.p50} ms, p99 ${row.latency_after_open_ms.p99} ms, max ${row.latency_after_open_ms.max} ms; ` +
      `orchestrator peak ${row.orchestrator_peak.rss_mib} MiB, ${row.orchestrator_peak.threads} pool threads; ` +
      `${row.converge_seconds === null ? 'did not converge' : `converged in ${row.converge_seconds.toFixed(1)} s`}`);
    for (const problem of row.problems) console.log(`          ${problem}`);
  }
} catch (error) {
  console.error(`error: ${error.stack ?? error}`);
  failedCells++;
} finally {
  await stop();
  unmountAll();
}

const seconds = (Date.now() - began) / 1000;
const markdown = `${table(rows)}\n\nSeed ${seed}, ${ordersPerCell} orders per cell, ${concurrency} concurrent; whole matrix ${seconds.toFixed(0)} s.`;
fs.writeFileSync(path.join(workDir, 'matrix.md'), `${markdown}\n`);
fs.writeFileSync(path.join(workDir, 'matrix.json'), JSON.stringify({ seed, orders_per_cell: ordersPerCell, concurrency, seconds, rows }, null, 2));
fs.writeFileSync(path.join(workDir, 'matrix.counts'), `${passed} ${failedCells}\n`);
console.log(`\n${markdown}\n`);
process.exit(failedCells === 0 && passed > 0 ? 0 : 1);
