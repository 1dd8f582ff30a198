// bench/memory.sh's measurement: heap after a full GC in each process, ORDERS orders placed by 32
// concurrent clients (every one must be confirmed), heap and RSS after another full GC, and RSS once
// more after a collection that also returns the GC's free memory to the system (the verdicts' figure:
// what holding the orders takes; the GC's reserve for later allocations comes and goes with the load).
// Usage: node bench/memory.mjs ORDERS role=URL...
const [count, ...pairs] = process.argv.slice(2);
const orders = Number(count);
const urls = Object.fromEntries(pairs.map((pair) => pair.split("=")));
const gc = async (role) => (await fetch(`${urls[role]}/diagnostics/gc`, { method: "POST" })).json();
const roles = ["order", "payment", "inventory", "delivery"];
const mb = (bytes) => (bytes / 1024 / 1024).toFixed(0);

const before = Object.fromEntries(await Promise.all(roles.map(async (role) => [role, await gc(role)])));
let next = 0;
let failed = 0;
const started = Date.now();
await Promise.all(Array.from({ length: 32 }, async () => {
  while (next < orders) {
    const i = next++;
    const response = await fetch(`${urls.order}/orders`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ order_id: `mem-${i}`, amount: 10, sku: `SKU-${i % 100}`, quantity: 1, slot: `2030-01-${String(1 + (i % 28)).padStart(2, "0")}T10:00` }),
    });
    await response.arrayBuffer();
    if (response.status !== 201) failed++;
  }
}));
const seconds = (Date.now() - started) / 1000;
const after = Object.fromEntries(await Promise.all(roles.map(async (role) => [role, await gc(role)])));

console.log(`${orders} orders in ${seconds.toFixed(0)} s (${(orders / seconds).toFixed(0)}/s), ${failed} not confirmed`);
console.log("| process | heap before (MB) | heap after (MB) | bytes per order held | RSS after (MB) | RSS without the GC's free reserve, before → after (MB) |");
console.log("|---|---:|---:|---:|---:|---:|");
for (const role of roles) {
  const perOrder = (after[role].heap_bytes - before[role].heap_bytes) / orders;
  console.log(`| ${role} | ${mb(before[role].heap_bytes)} | ${mb(after[role].heap_bytes)} | ${perOrder.toFixed(0)} | ${mb(after[role].resident_bytes)} | ${mb(before[role].resident_trimmed_bytes)} → ${mb(after[role].resident_trimmed_bytes)} |`);
}
const verdicts = [
  [`orchestrator heap ≤ 400 bytes per order`, (after.order.heap_bytes - before.order.heap_bytes) / orders <= 400],
  [`orchestrator RSS ≤ 160 MB after ${orders} orders`, after.order.resident_trimmed_bytes <= 160 * 1024 * 1024],
  ...["payment", "inventory", "delivery"].map((role) => [`${role} RSS ≤ 120 MB holding ${orders} reservations`, after[role].resident_trimmed_bytes <= 120 * 1024 * 1024]),
  ["every order confirmed", failed === 0],
];
for (const [name, ok] of verdicts) console.log(`${ok ? "holds  " : "MISSES "} ${name}`);
process.exit(failed === 0 ? 0 : 1);
