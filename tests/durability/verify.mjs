// Checks the saga invariant for every order whose id starts with PREFIX, as a client sees it:
// final (confirmed or cancelled), and the participants agree (GET /orders/{id} asks them live).
// Also: the SKU's reserved stock and the slot's bookings equal the number of confirmed orders.
// Usage: node verify.mjs ORDER_URL PREFIX INVENTORY_URL SKU DELIVERY_URL SLOT
const [orderUrl, prefix, inventoryUrl, sku, deliveryUrl, slot] = process.argv.slice(2);
const get = async url => (await fetch(url)).json();

const orders = (await get(`${orderUrl}/orders?limit=500`)).filter(o => o.order_id.startsWith(prefix));
let unfinished = 0, violations = 0, confirmed = 0, cancelled = 0, interrupted = 0;
for (const summary of orders) {
  const order = await get(`${orderUrl}/orders/${summary.order_id}`);
  const states = Object.values(order.participants);
  if (order.failure?.includes("interrupted") || order.history.some(h => h.outcome === "unknown")) interrupted++;
  if (order.status === "confirmed") {
    confirmed++;
    if (!states.every(s => s === "reserved")) { violations++; console.log(`confirmed ${order.order_id} but ${JSON.stringify(order.participants)}`); }
  } else if (order.status === "cancelled") {
    cancelled++;
    if (states.some(s => s === "reserved" || s === "unavailable")) { violations++; console.log(`cancelled ${order.order_id} but ${JSON.stringify(order.participants)}`); }
  } else {
    unfinished++;
    console.log(`${order.order_id} is ${order.status}`);
  }
}
const stock = await get(`${inventoryUrl}/inventory/stock/${sku}`);
const slotView = await get(`${deliveryUrl}/delivery/slots/${slot}`);
const counts = stock.reserved === confirmed && slotView.booked === confirmed ? "ok" : "wrong";
console.log(`orders=${orders.length} confirmed=${confirmed} cancelled=${cancelled} interrupted=${interrupted} ` +
  `unfinished=${unfinished} violations=${violations} counts=${counts} (stock reserved ${stock.reserved}, slot booked ${slotView.booked})`);
