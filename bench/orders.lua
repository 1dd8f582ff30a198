-- wrk script: every request is a new order, spread over SKUs and delivery slots.
-- Prints one JSON line with the figures at the end.
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  prefix = (args[1] or "bench") .. "-" .. thread_id .. "-"
  counter = 0
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"order_id":"%s%d","amount":10,"sku":"SKU-%d","quantity":1,"slot":"2030-01-%02dT%02d:00"}',
    prefix, counter, counter % 500, (counter % 28) + 1, counter % 24)
  return wrk.format("POST", "/orders", { ["Content-Type"] = "application/json" }, body)
end

function done(summary, latency, requests)
  local errors = summary.errors
  local ok = summary.requests - errors.status
  io.write(string.format(
    '{"requests":%d,"ok":%d,"non_2xx":%d,"socket_errors":%d,"seconds":%.3f,"sagas_per_second":%.1f,' ..
    '"p50_ms":%.2f,"p90_ms":%.2f,"p99_ms":%.2f,"max_ms":%.2f}\n',
    summary.requests, ok, errors.status, errors.connect + errors.read + errors.write + errors.timeout,
    summary.duration / 1e6, ok / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
