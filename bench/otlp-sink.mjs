// An OTLP/HTTP endpoint for the benchmark's "-otel" runs: accepts every export and keeps nothing,
// so what is measured is the cost of recording and exporting, not of a collector.
// Usage: node bench/otlp-sink.mjs PORT
import http from "node:http";

http.createServer((req, res) => {
  req.resume();
  req.on("end", () => res.writeHead(200, { "Content-Type": "application/x-protobuf" }).end());
}).listen(Number(process.argv[2]), "127.0.0.1");
