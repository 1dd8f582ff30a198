// Seeing the saga, checked from outside on four real processes that export to a real OTLP receiver:
// one trace per saga across the four roles, the metrics at GET /metrics (Prometheus text) and over
// OTLP, log lines that carry the trace, and the dashboard in a real browser (Debian's chromium,
// headless, driven by puppeteer-core; axe-core for accessibility). Prints "ok"/"FAIL" lines and
// writes RESULTS/observe.counts as "PASSED FAILED".
// Environment: ORDER_URL, PAYMENT_URL, INVENTORY_URL, DELIVERY_URL, OTLP_URL, LOGS (the roles' log
// folder), RESULTS, CHROMIUM (the browser's path).
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import puppeteer from "puppeteer-core";

const require = createRequire(import.meta.url);
const env = (name) => process.env[name] || (() => { throw new Error(`${name} is not set`); })();
const orderUrl = env("ORDER_URL");
const participantUrls = { payment: env("PAYMENT_URL"), inventory: env("INVENTORY_URL"), delivery: env("DELIVERY_URL") };
const otlpUrl = env("OTLP_URL");
const results = env("RESULTS");
const logs = env("LOGS");
let passed = 0;
let failed = 0;

function check(name, ok, why = "") {
  if (ok) { passed++; console.log(`  ok    ${name}`); } else { failed++; console.log(`  FAIL  ${name}${why ? `: ${why}` : ""}`); }
  return ok;
}

/** Polls until get() answers something accepted by done(), or the deadline passes; answers the last value. */
async function poll(get, done, seconds = 20) {
  const deadline = Date.now() + seconds * 1000;
  let last;
  while (Date.now() < deadline) {
    last = await get().catch(() => undefined);
    if (last !== undefined && done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return last;
}

const json = async (url, init) => { const r = await fetch(url, init); return { status: r.status, body: await r.json().catch(() => null) }; };
const run = Date.now().toString(36);
const orders = {
  confirmed: { order_id: `obs-${run}-ok`, amount: 10.5, sku: "sku-observe", quantity: 1, slot: "2030-01-01T10:00" },
  payment: { order_id: `obs-${run}-pay`, amount: 11, sku: "sku-observe", quantity: 1, slot: "2030-01-01T10:00", force_payment_failure: true },
  inventory: { order_id: `obs-${run}-inv`, amount: 12, sku: "sku-observe", quantity: 1, slot: "2030-01-01T10:00", force_inventory_failure: true },
  delivery: { order_id: `obs-${run}-del`, amount: 13, sku: "sku-observe", quantity: 1, slot: "2030-01-01T10:00", force_delivery_failure: true },
};
// What the four orders must come to: the steps each one's compensation cancels (its exposure entries).
const compensated = { confirmed: [], payment: [], inventory: ["payment"], delivery: ["inventory", "payment"] };

console.log("==> Four orders: confirmed, and one failing at each step");
const placed = {};
for (const [name, body] of Object.entries(orders)) {
  const answer = await json(`${orderUrl}/orders`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  placed[name] = answer.status === 201 ? answer.body : answer.body?.order;
  check(`order "${name}" answers ${name === "confirmed" ? 201 : 409}`, answer.status === (name === "confirmed" ? 201 : 409), `got ${answer.status}`);
}
const view = {};
for (const name of Object.keys(orders)) view[name] = (await json(`${orderUrl}/orders/${orders[name].order_id}`)).body;
check("GET /orders/{id} names the trace each saga started in", Object.values(view).every((v) => /^[0-9a-f]{32}$/.test(v?.trace_id ?? "")),
  JSON.stringify(Object.values(view).map((v) => v?.trace_id)));

console.log("==> Traces (OTLP/HTTP protobuf, decoded with the OpenTelemetry definitions)");
const traceOf = (name) => view[name]?.trace_id;
const spansOf = (spans, name) => spans.filter((span) => span.traceId === traceOf(name));
const services = (spans) => new Set(spans.map((span) => span.service));
// Each process exports on its own schedule: wait for the orchestrator's saga span and its five call
// spans (a participant's cancel span, also tagged "cancelled", can arrive before them), and for the
// participants' five server spans (payment's cancel can come after everything else).
const sagaSpans = (spans) => spansOf(spans, "delivery").filter((s) => s.scope === "SagaDemo.Saga");
const serverSpans = (spans) => spansOf(spans, "delivery").filter((span) => span.kind === 2 && span.service !== "saga-demo-order");
const allSpans = await poll(async () => (await json(`${otlpUrl}/spans`)).body,
  (spans) => services(spansOf(spans, "delivery")).size === 4
    && sagaSpans(spans).some((s) => s.name === "saga order" && s.attributes["saga.outcome"] === "cancelled")
    && sagaSpans(spans).filter((s) => s.attributes["saga.step"]).length >= 5
    && serverSpans(spans).length >= 5);
const delivery = spansOf(allSpans || [], "delivery");
check("one saga's spans come from all four processes under one trace id",
  ["saga-demo-order", "saga-demo-payment", "saga-demo-inventory", "saga-demo-delivery"].every((s) => services(delivery).has(s)),
  `services in the trace: ${[...services(delivery)].join(", ")}`);
const sagaSpan = delivery.find((span) => span.scope === "SagaDemo.Saga" && span.name === "saga order");
check("a span for the saga, with saga.order_id and its outcome",
  sagaSpan?.attributes["saga.order_id"] === orders.delivery.order_id && sagaSpan?.attributes["saga.outcome"] === "cancelled", JSON.stringify(sagaSpan));
const calls = delivery.filter((span) => span.scope === "SagaDemo.Saga" && span.attributes["saga.step"]);
const callWords = calls.map((span) => `${span.attributes["saga.step"]} ${span.attributes["saga.action"]} ${span.attributes["saga.outcome"]}`).sort();
check("a span per participant call, with step, action, outcome and attempts",
  JSON.stringify(callWords) === JSON.stringify(["delivery reserve failed", "inventory cancel succeeded", "inventory reserve succeeded",
    "payment cancel succeeded", "payment reserve succeeded"]) && calls.every((span) => span.attributes["saga.attempts"] >= 1
    && span.attributes["saga.order_id"] === orders.delivery.order_id && span.parentSpanId === sagaSpan?.spanId),
  JSON.stringify(callWords));
const servers = serverSpans(allSpans || []);
check("the participants' server spans continue the trace (W3C traceparent), tagged with the order",
  servers.length === 5 && servers.every((span) => span.attributes["saga.order_id"] === orders.delivery.order_id && span.parentSpanId),
  `${servers.length} server spans: ${servers.map((s) => `${s.service} ${s.attributes["saga.action"]}`).join(", ")}`);
check("each saga has a trace of its own", new Set(Object.keys(orders).map(traceOf)).size === 4);

console.log("==> Logs carry trace_id and span_id");
const logLine = (file, text) => fs.readFileSync(path.join(logs, file), "utf8").split("\n").filter(Boolean)
  .map((line) => { try { return JSON.parse(line); } catch { return null; } })
  .find((entry) => entry?.Message?.includes(text));
const scopes = (entry) => Object.assign({}, ...(entry?.Scopes || []).filter((s) => typeof s === "object"));
const refused = logLine("inventory.log", `Refused a reservation for order ${orders.inventory.order_id}`);
check("a participant's log line is in the saga's trace", scopes(refused).trace_id === traceOf("inventory") && /^[0-9a-f]{16}$/.test(scopes(refused).span_id ?? ""),
  JSON.stringify(refused));
const cancelledLine = logLine("order.log", `Order ${orders.inventory.order_id} is cancelled`);
check("the orchestrator's log line is in the saga's trace", scopes(cancelledLine).trace_id === traceOf("inventory"), JSON.stringify(cancelledLine));

console.log("==> Metrics at GET /metrics (Prometheus text) and over OTLP");
function parsePrometheus(text) {
  const samples = [];
  for (const line of text.split("\n")) {
    const match = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/);
    if (!match) continue;
    const labels = Object.fromEntries([...(match[3] || "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    samples.push({ name: match[1], labels, value: Number(match[4]) });
  }
  return samples;
}
const sum = (samples, name, labels = {}) => samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  .reduce((total, s) => total + s.value, 0);
const metricsText = await (await fetch(`${orderUrl}/metrics`)).text();
fs.writeFileSync(path.join(results, "order-metrics.txt"), metricsText);
const order = parsePrometheus(metricsText);
check("GET /metrics on the orchestrator is Prometheus text with the saga's metrics", order.some((s) => s.name === "saga_started_total"),
  metricsText.slice(0, 300));
check("sagas started = orders sent (4)", sum(order, "saga_started_total") === 4, `${sum(order, "saga_started_total")}`);
check("sagas finished by outcome: confirmed 1, cancelled 3, compensation_failed 0",
  sum(order, "saga_finished_total", { saga_outcome: "confirmed" }) === 1 && sum(order, "saga_finished_total", { saga_outcome: "cancelled" }) === 3
  && sum(order, "saga_finished_total", { saga_outcome: "compensation_failed" }) === 0,
  order.filter((s) => s.name === "saga_finished_total").map((s) => `${s.labels.saga_outcome}=${s.value}`).join(" "));
check("saga duration has one entry per finished saga", sum(order, "saga_duration_seconds_count") === 4, `${sum(order, "saga_duration_seconds_count")}`);
const expectedCalls = { "payment reserve": 4, "inventory reserve": 3, "delivery reserve": 2, "payment cancel": 2, "inventory cancel": 1 };
check("participant call duration by step and action: one entry per call",
  Object.entries(expectedCalls).every(([key, count]) => {
    const [step, action] = key.split(" ");
    return sum(order, "saga_call_duration_seconds_count", { saga_step: step, saga_action: action }) === count;
  }), order.filter((s) => s.name === "saga_call_duration_seconds_count").map((s) => `${s.labels.saga_step} ${s.labels.saga_action} ${s.labels.saga_outcome}=${s.value}`).join("; "));
const exposures = Object.values(compensated).flat();
check("the exposure window has an entry per compensated step (payment 2, inventory 1)",
  sum(order, "saga_exposure_seconds_count", { saga_step: "payment" }) === exposures.filter((s) => s === "payment").length
  && sum(order, "saga_exposure_seconds_count", { saga_step: "inventory" }) === exposures.filter((s) => s === "inventory").length
  && sum(order, "saga_exposure_seconds_count", { saga_step: "delivery" }) === 0,
  order.filter((s) => s.name === "saga_exposure_seconds_count").map((s) => `${s.labels.saga_step}=${s.value}`).join(" "));
check("no compensation is owed", sum(order, "saga_compensations_owed") === 0);
const payment = parsePrometheus(await (await fetch(`${participantUrls.payment}/metrics`)).text());
check("a participant's /metrics counts its answers (payment: 3 reserved, 1 refused, 2 cancelled)",
  sum(payment, "participant_answers_total", { saga_action: "reserve", result: "reserved" }) === 3
  && sum(payment, "participant_answers_total", { saga_action: "reserve", result: "refused" }) === 1
  && sum(payment, "participant_answers_total", { saga_action: "cancel", result: "cancelled" }) === 2,
  payment.filter((s) => s.name === "participant_answers_total").map((s) => `${s.labels.saga_action} ${s.labels.result}=${s.value}`).join(" "));
const received = await poll(async () => (await json(`${otlpUrl}/metrics-received`)).body,
  (m) => m["saga-demo-order"]?.includes("saga.exposure") && m["saga-demo-payment"]?.includes("participant.answers"));
check("the same metrics arrive over OTLP", received?.["saga-demo-order"]?.includes("saga.finished") && received?.["saga-demo-payment"]?.includes("participant.answers"),
  JSON.stringify(received));

console.log("==> The dashboard in a real browser (chromium, headless)");
const browser = await puppeteer.launch({ executablePath: env("CHROMIUM"), headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  const consoleErrors = [];
  page.on("pageerror", (error) => consoleErrors.push(String(error)));
  const axe = async (name) => {
    await page.addScriptTag({ path: require.resolve("axe-core/axe.min.js") });
    const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
    const serious = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    fs.writeFileSync(path.join(results, `axe-${name}.json`), JSON.stringify(result.violations, null, 2));
    check(`axe-core finds no serious violation on the ${name} view`, serious.length === 0, serious.map((v) => `${v.id}: ${v.help}`).join("; "));
  };

  await page.goto(`${orderUrl}/dashboard`, { waitUntil: "networkidle0" });
  await page.waitForSelector(`tr[data-order-id="${orders.delivery.order_id}"]`, { timeout: 10000 });
  const rows = await page.$$eval("#orders tbody tr", (trs) => trs.map((tr) => [tr.dataset.orderId, tr.querySelector("[data-status]").dataset.status]));
  const ours = rows.filter(([id]) => id.startsWith(`obs-${run}`));
  check("the list shows the orders newest first with their status",
    JSON.stringify(ours) === JSON.stringify([[orders.delivery.order_id, "cancelled"], [orders.inventory.order_id, "cancelled"],
      [orders.payment.order_id, "cancelled"], [orders.confirmed.order_id, "confirmed"]]), JSON.stringify(ours));
  const counts = await page.$$eval("#counts a", (links) => Object.fromEntries(links.map((a) => [a.dataset.count, a.textContent])));
  check("counts per status", counts.all === "all 4" && counts.confirmed === "confirmed 1" && counts.cancelled === "cancelled 3", JSON.stringify(counts));
  await page.screenshot({ path: path.join(results, "dashboard-orders.png"), fullPage: true });
  await axe("orders");

  await page.select("#status-filter", "confirmed");
  await page.waitForFunction(() => [...document.querySelectorAll("#orders tbody [data-status]")].every((s) => s.dataset.status === "confirmed"), { timeout: 10000 });
  const filtered = await page.$$eval("#orders tbody tr", (trs) => trs.map((tr) => tr.dataset.orderId));
  check("the filter shows only orders with that status", filtered.includes(orders.confirmed.order_id) && !filtered.includes(orders.delivery.order_id),
    JSON.stringify(filtered));

  await page.goto(`${orderUrl}/dashboard#order=${orders.delivery.order_id}`, { waitUntil: "networkidle0" });
  await page.waitForSelector("#timeline li[data-call]", { timeout: 10000 });
  const bars = await page.$$eval("#timeline li[data-call]", (items) => items.map((li) => ({
    label: li.querySelector(".call-label").textContent,
    outcome: li.dataset.outcome,
    left: parseFloat(li.querySelector(".bar").style.left),
    words: li.querySelector(".bar .visually-hidden").textContent,
  })));
  check("the timeline has a bar per call, in order, labelled and coloured by outcome",
    JSON.stringify(bars.map((b) => `${b.label} ${b.outcome}`)) === JSON.stringify(["payment reserve succeeded", "inventory reserve succeeded",
      "delivery reserve failed", "inventory cancel succeeded", "payment cancel succeeded"])
    && bars.every((b, i) => i === 0 || b.left >= bars[i - 1].left) && bars.every((b) => /\d+ attempt/.test(b.words)),
    JSON.stringify(bars));
  const why = await page.$$eval("#why li", (items) => items.map((li) => li.textContent));
  check("the narrative says why the compensation happened",
    why.some((line) => line.startsWith("delivery said no: ") && line.endsWith("→ inventory cancelled, payment cancelled")), JSON.stringify(why));
  const facts = await page.$$eval("#order-facts dd", (dds) => Object.fromEntries(dds.map((dd) => [dd.dataset.fact, dd.textContent])));
  check("the order view shows its trace id", facts["Trace id"] === traceOf("delivery"), JSON.stringify(facts));
  const holdings = await page.$$eval("#holdings tbody tr", (trs) => Object.fromEntries(trs.map((tr) => [tr.dataset.participant, tr.querySelector("td").textContent])));
  check("what each participant holds now", holdings.payment?.startsWith("cancelled") && holdings.inventory?.startsWith("cancelled")
    && holdings.delivery?.startsWith("rejected"), JSON.stringify(holdings));
  await page.screenshot({ path: path.join(results, "dashboard-order.png"), fullPage: true });
  await axe("order");
  check("the page ran without script errors", consoleErrors.length === 0, consoleErrors.join("; "));
} finally {
  await browser.close();
}

fs.writeFileSync(path.join(results, "observe.counts"), `${passed} ${failed}\n`);
console.log(`==> Observability: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
