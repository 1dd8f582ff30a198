// A real OTLP/HTTP receiver for the tests: accepts what the four roles export (protobuf, decoded
// with the official OTLP definitions shipped in @opentelemetry/otlp-transformer) and serves it back
// as JSON: GET /spans (every span with its service), GET /metrics-received (metric names by service).
// Usage: node otlp-receiver.mjs PORT
import http from "node:http";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const root = require("@opentelemetry/otlp-transformer/build/src/generated/root.js");
const { ExportTraceServiceRequest } = root.opentelemetry.proto.collector.trace.v1;
const { ExportMetricsServiceRequest } = root.opentelemetry.proto.collector.metrics.v1;

const port = Number(process.argv[2]);
const spans = [];
const metrics = {};
const hex = (bytes) => Buffer.from(bytes).toString("hex");
const value = (v) => v?.stringValue ?? (v?.intValue !== undefined && v?.intValue !== null ? Number(v.intValue) : v?.boolValue ?? v?.doubleValue);
const attributes = (list) => Object.fromEntries((list || []).map((a) => [a.key, value(a.value)]));

function receiveTraces(body) {
  const request = ExportTraceServiceRequest.decode(body);
  for (const resourceSpans of request.resourceSpans) {
    const service = attributes(resourceSpans.resource?.attributes)["service.name"];
    for (const scopeSpans of resourceSpans.scopeSpans) {
      for (const span of scopeSpans.spans) {
        spans.push({
          service,
          scope: scopeSpans.scope?.name,
          name: span.name,
          kind: span.kind,
          traceId: hex(span.traceId),
          spanId: hex(span.spanId),
          parentSpanId: span.parentSpanId?.length ? hex(span.parentSpanId) : null,
          attributes: attributes(span.attributes),
          links: (span.links || []).map((link) => ({ traceId: hex(link.traceId), spanId: hex(link.spanId) })),
        });
      }
    }
  }
}

function receiveMetrics(body) {
  const request = ExportMetricsServiceRequest.decode(body);
  for (const resourceMetrics of request.resourceMetrics) {
    const service = attributes(resourceMetrics.resource?.attributes)["service.name"];
    for (const scopeMetrics of resourceMetrics.scopeMetrics) {
      for (const metric of scopeMetrics.metrics) {
        (metrics[service] ||= new Set()).add(metric.name);
      }
    }
  }
}

http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    try {
      if (req.method === "POST" && req.url === "/v1/traces") receiveTraces(Buffer.concat(chunks));
      else if (req.method === "POST" && req.url === "/v1/metrics") receiveMetrics(Buffer.concat(chunks));
      else if (req.method === "POST" && req.url === "/v1/logs") { /* not exported by the roles */ }
      else if (req.method === "GET" && req.url === "/spans") return reply(res, 200, spans);
      else if (req.method === "GET" && req.url === "/metrics-received") {
        return reply(res, 200, Object.fromEntries(Object.entries(metrics).map(([service, names]) => [service, [...names]])));
      } else return reply(res, 404, { error: `nothing at ${req.method} ${req.url}` });
      res.writeHead(200, { "Content-Type": "application/x-protobuf" }).end();
    } catch (error) {
      reply(res, 400, { error: String(error) });
    }
  });
}).listen(port, "127.0.0.1", () => console.log(`OTLP receiver on http://127.0.0.1:${port}`));

function reply(res, status, body) {
  res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
}
