// Turns the JSON of a bench/run.sh run into the table, the ratios to the baseline and the budget's verdicts.
// Usage: node bench/report.mjs OUT_DIR SECONDS CONNECTIONS   (exit 1 if the budget does not hold)
import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";

const [out, seconds, connections] = process.argv.slice(2);
const runs = ["baseline", "memory", "sqlite", "postgres"].map(c => JSON.parse(readFileSync(join(out, `${c}.json`), "utf8")));
const startup = ["payment", "order"].map(r => JSON.parse(readFileSync(join(out, `startup-${r}.json`), "utf8")));
const base = runs[0].figures.sagas_per_second;
const median = list => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];

const lines = [
  `| run | sagas/s | × baseline | p50 ms | p90 ms | p99 ms | max ms | non-2xx | socket errors | max RSS MB | CPU µs per saga (order / participants) | read back confirmed |`,
  `|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|`,
  ...runs.map(({ config, figures: f, rss_mb, cpu_us_per_saga: cpu, sample }) =>
    `| ${config} | ${f.sagas_per_second.toFixed(0)} | ${(f.sagas_per_second / base).toFixed(2)} | ${f.p50_ms.toFixed(1)} | ${f.p90_ms.toFixed(1)} | ` +
    `${f.p99_ms.toFixed(1)} | ${f.max_ms.toFixed(1)} | ${f.non_2xx} | ${f.socket_errors} | ${Math.max(...Object.values(rss_mb))} | ` +
    `${cpu ? `${cpu.order} / ${cpu.payment}, ${cpu.inventory}, ${cpu.delivery}` : "—"} | ` +
    `${sample ? `${sample.confirmed}/${sample.read}` : "—"} |`),
];
const ratio = c => runs.find(r => r.config === c).figures.sagas_per_second / base;
const budget = [
  ["in-memory store ≥ 0.7 × baseline", ratio("memory") >= 0.7],
  ["SQLite store ≥ 0.5 × baseline", ratio("sqlite") >= 0.5],
  ["p99 ≤ 5 × p50 in every SagaDemo run", runs.slice(1).every(r => r.figures.p99_ms <= 5 * r.figures.p50_ms)],
  ["zero non-2xx and socket errors", runs.every(r => r.figures.non_2xx === 0 && r.figures.socket_errors === 0)],
  ["every process ≤ 120 MB resident after the run", runs.every(r => Object.values(r.rss_mb).every(mb => mb > 0 && mb <= 120))],
  ["every sampled order reads back confirmed", runs.slice(1).every(r => r.sample.read > 0 && r.sample.confirmed === r.sample.read)],
  ...startup.map(s => [`start-up of the ${s.role} role to a healthy /health < 1 s (median ${median(s.ms)} ms)`, median(s.ms) < 1000]),
];
const report = [
  `SagaDemo benchmark, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, \`bench/run.sh ${seconds} ${connections}\` ` +
    `(wrk, 2 threads, ${connections} connections, ${seconds} s after a 10 s warm-up)`,
  "",
  ...lines,
  "",
  `Start-up to a healthy /health (ms, 5 runs): ${startup.map(s => `${s.role} ${s.ms.join(", ")}`).join("; ")}`,
  "",
  ...budget.map(([what, ok]) => `- ${ok ? "holds" : "FAILS"}: ${what}`),
].join("\n");
console.log(report);
writeFileSync(join(out, "report.json"), JSON.stringify({ runs, startup, budget: Object.fromEntries(budget) }, null, 2));
process.exit(budget.every(([, ok]) => ok) ? 0 : 1);
