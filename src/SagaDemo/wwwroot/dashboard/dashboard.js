// The saga dashboard: a page over the orchestrator's JSON API (GET /orders, GET /orders/{id},
// GET /dashboard/counts). No framework, no build step, nothing fetched from elsewhere.
"use strict";

const STATUSES = ["pending", "confirmed", "compensating", "cancelled", "compensation_failed"];
const REFRESH_MS = 2000;
const $ = (selector) => document.querySelector(selector);
let timer = null;

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) node.append(child);
  return node;
}

// Times in UTC, as the API gives them: "22:54:58.659".
const time = (iso) => new Date(iso).toISOString().slice(11, 23);
const dateTime = (iso) => new Date(iso).toISOString().replace("T", " ").slice(0, 23);
const label = (status) => status.replace("_", " ");
const statusBadge = (status) => el("span", { class: `status ${status}`, "data-status": status, text: label(status) });

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(body?.detail || body?.title || `${url} answered ${response.status}`);
  return body;
}

// ---- the list of orders ----

function route() {
  const match = location.hash.match(/^#order=(.+)$/);
  return match ? { order: decodeURIComponent(match[1]) } : { status: new URLSearchParams(location.hash.slice(1)).get("status") || "" };
}

async function showOrders(status) {
  $("#order-view").hidden = true;
  $("#orders-view").hidden = false;
  document.title = "SagaDemo — sagas";
  $("#status-filter").value = status;
  try {
    const [counts, orders] = await Promise.all([
      getJson("/dashboard/counts"),
      getJson(`/orders?limit=100${status ? `&status=${status}` : ""}`),
    ]);
    renderCounts(counts, status);
    renderOrders(orders);
    $("#orders-error").hidden = true;
  } catch (error) {
    showError("#orders-error", `Cannot read the orders: ${error.message}. Is the orchestrator running?`);
  }
}

function renderCounts(counts, current) {
  const total = STATUSES.reduce((sum, status) => sum + (counts[status] || 0), 0);
  const items = [["", `all ${total}`], ...STATUSES.map((status) => [status, `${label(status)} ${counts[status] || 0}`])];
  $("#counts").replaceChildren(...items.map(([status, text]) =>
    el("li", {}, el("a", { href: status ? `#status=${status}` : "#", "data-count": status || "all", "aria-current": status === current ? "true" : false, text }))));
}

function renderOrders(orders) {
  $("#orders-empty").hidden = orders.length > 0;
  $("#orders tbody").replaceChildren(...orders.map((order) => el("tr", { "data-order-id": order.order_id },
    el("td", {}, el("a", { href: `#order=${encodeURIComponent(order.order_id)}`, text: order.order_id })),
    el("td", {}, statusBadge(order.status)),
    el("td", { text: order.failure || order.steps.join(", ") }),
    el("td", { text: order.amount.toFixed(2) }),
    el("td", { text: `${order.sku} × ${order.quantity}` }),
    el("td", { text: order.slot }),
    el("td", { text: dateTime(order.created_at) }))));
}

// ---- one order ----

async function showOrder(id) {
  $("#orders-view").hidden = true;
  $("#order-view").hidden = false;
  document.title = `SagaDemo — order ${id}`;
  try {
    const order = await getJson(`/orders/${encodeURIComponent(id)}`);
    renderOrder(order);
    $("#order-error").hidden = true;
    return order;
  } catch (error) {
    $("#order-title").textContent = `Order ${id}`;
    showError("#order-error", `Cannot read order ${id}: ${error.message}`);
    return null;
  }
}

function renderOrder(order) {
  $("#order-title").replaceChildren(`Order ${order.order_id} `, statusBadge(order.status));
  const facts = [
    ["Status", label(order.status)],
    ["Ordered", `${order.amount.toFixed(2)} for ${order.quantity} × ${order.sku}, delivery slot ${order.slot}`],
    ["Forced failures", ["payment", "inventory", "delivery"].filter((step) => order[`force_${step}_failure`]).join(", ") || "none"],
    ["Created", new Date(order.created_at).toISOString()],
    ["Last change", new Date(order.updated_at).toISOString()],
    ["Trace id", order.trace_id || "not recorded (set OTEL_EXPORTER_OTLP_ENDPOINT to record traces)"],
  ];
  if (order.failure) facts.splice(1, 0, ["Failure", order.failure]);
  $("#order-facts").replaceChildren(...facts.flatMap(([name, value]) => [el("dt", { text: name }), el("dd", { "data-fact": name, text: value })]));
  $("#why").replaceChildren(...explain(order).map((line) => el("li", { text: line })));
  renderTimeline(order.history);
  const participants = Object.entries(order.participants || {});
  $("#holdings tbody").replaceChildren(...participants.map(([name, state]) =>
    el("tr", { "data-participant": name }, el("th", { scope: "row", text: name }), el("td", { text: holds(state) }))));
  $("#steps").replaceChildren(...order.steps.map((step) => el("li", { text: step })));
}

const holds = (state) => ({
  reserved: "reserved: it holds the order's reservation",
  cancelled: "cancelled: it holds nothing for the order",
  rejected: "rejected: it said no and holds nothing",
  none: "no record of the order",
  unavailable: "unavailable: it could not be asked",
}[state] || state);

/** Why the saga went the way it did, in plain words, from its history. */
function explain(order) {
  const history = order.history;
  const lines = [];
  const failedAt = history.findIndex((call) => call.action === "reserve" && (call.outcome === "failed" || call.outcome === "unknown"));
  if (failedAt >= 0) {
    const failed = history[failedAt];
    const cancelled = [...new Set(history.slice(failedAt).filter((call) => call.action === "cancel" && call.outcome === "succeeded").map((call) => call.step))];
    const cause = failed.outcome === "failed"
      ? `${failed.step} said no: ${failed.detail}`
      : `${failed.step} gave no usable answer (its outcome is unknown): ${failed.detail}`;
    lines.push(`${cause} → ${cancelled.length ? cancelled.map((step) => `${step} cancelled`).join(", ") : "nothing to cancel"}`);
  } else if (order.status === "confirmed") {
    lines.push(`Every participant said yes: ${[...new Set(history.filter((c) => c.action === "reserve").map((c) => c.step))].join(", ")} reserved → confirmed`);
  } else if (order.failure) {
    lines.push(order.failure);
  } else {
    lines.push("The saga is still running.");
  }
  const owed = history.filter((call) => call.action === "cancel" && call.outcome !== "succeeded" && call.outcome !== "pending"
    && !history.some((later) => later.step === call.step && later.action === "cancel" && later.outcome === "succeeded"));
  for (const step of new Set(owed.map((call) => call.step))) {
    lines.push(`The cancel of ${step} has not succeeded yet: ${order.status === "compensation_failed" ? "an operator's turn (POST /orders/{id}/compensate)" : "it is retried"}`);
  }
  for (const release of history.filter((call) => call.action === "reconcile")) {
    lines.push(`${release.step} still held the order after its saga ended → released by the reconciler (${release.detail})`);
  }
  return lines;
}

function renderTimeline(history) {
  if (history.length === 0) {
    $("#timeline").replaceChildren(el("p", { text: "No participant has been called yet." }));
    return;
  }
  const now = Date.now();
  const start = Math.min(...history.map((call) => Date.parse(call.started_at)));
  const end = Math.max(...history.map((call) => (call.finished_at ? Date.parse(call.finished_at) : now)), start + 1);
  const span = end - start;
  const rows = history.map((call, index) => {
    const from = Date.parse(call.started_at);
    const to = call.finished_at ? Date.parse(call.finished_at) : now;
    const kind = call.action === "reconcile" ? "reconcile" : call.outcome;
    const ms = Math.max(0, to - from);
    const attempts = call.attempts > 1 ? `${call.attempts} attempts` : call.attempts === 1 ? "1 attempt" : "";
    const words = `${call.step} ${call.action}: ${call.outcome}${attempts ? `, ${attempts}` : ""}, ${ms} ms${call.detail ? ` (${call.detail})` : ""}`;
    const bar = el("span", {
      class: `bar ${kind}`, "data-outcome": call.outcome, title: words,
      style: `left: ${((from - start) / span) * 100}%; width: ${(Math.max(ms, span / 200) / span) * 100}%`,
    }, el("span", { class: "visually-hidden", text: words }), el("span", { "aria-hidden": "true", text: call.attempts > 1 ? `×${call.attempts}` : "" }));
    return el("li", { "data-call": index, "data-step": call.step, "data-action": call.action, "data-outcome": call.outcome },
      el("span", { class: "call-label", text: `${call.step} ${call.action}` }),
      el("span", { class: "track" }, bar));
  });
  $("#timeline").replaceChildren(el("ol", { "aria-label": "Participant calls in time order" }, ...rows),
    el("p", { class: "axis", "aria-hidden": "true" }, el("span", { text: `${time(new Date(start).toISOString())} UTC` }), el("span", { text: `+${span} ms` })));
}

function showError(selector, text) {
  const node = $(selector);
  node.textContent = text;
  node.hidden = false;
}

// ---- refresh ----

async function render() {
  clearTimeout(timer);
  const where = route();
  let again = $("#auto-refresh").checked;
  if (where.order !== undefined) {
    const order = await showOrder(where.order);
    // One order refreshes itself only while its saga can still change.
    again = again && order !== null && (order.status === "pending" || order.status === "compensating");
  } else {
    await showOrders(where.status);
  }
  $("#refreshed").textContent = `updated ${time(new Date().toISOString())} UTC`;
  if (again) timer = setTimeout(render, REFRESH_MS);
}

document.addEventListener("DOMContentLoaded", () => {
  for (const status of STATUSES) $("#status-filter").append(el("option", { value: status, text: label(status) }));
  $("#status-filter").addEventListener("change", (event) => { location.hash = event.target.value ? `status=${event.target.value}` : ""; });
  $("#auto-refresh").addEventListener("change", render);
  window.addEventListener("hashchange", render);
  render();
});
