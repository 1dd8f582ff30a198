// Turns the JSON of a bench/run.sh run into the table, the ratios to the baseline and the budget's verdicts.
// Usage: node bench/report.mjs OUT_DIR SECONDS CONNECTIONS ROUNDS   (exit 1 if the budget does not hold)
// Every configuration ran ROUNDS times; a ratio is taken against the baseline of the same round, and
// the table shows, per configuration, the round with the median throughput (and every round's figure).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";

const [out, seconds, connections, roundCount] = process.argv.slice(2);
const stores = ["memory", "sqlite", "postgres"];
// With BENCH_COMPARE, each store also ran on the build before ("memory-before", ...).
const compared = existsSync(join(out, "memory-before-r1.json"));
const configs = ["baseline", ...stores, ...(compared ? stores.map(s => `${s}-before`) : [])];
const rounds = Array.from({ length: Number(roundCount) }, (_, i) => i + 1);
const read = (config, round) => JSON.parse(readFileSync(join(out, `${config}-r${round}.json`), "utf8"));
const runsOf = Object.fromEntries(configs.map(c => [c, rounds.map(r => read(c, r))]));
const startup = ["payment", "order"].map(r => JSON.parse(readFileSync(join(out, `startup-${r}.json`), "utf8")));
const median = list => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const sps = run => run.figures.sagas_per_second;

const ratioOf = config => median(rounds.map((_, i) => sps(runsOf[config][i]) / sps(runsOf.baseline[i])));
// The same ratio from the CPU time all four processes spent per saga: what the throughput ratio would
// be on a machine where only these processes compete for the cores. The hypervisor's stolen time is
// not in it, so it moves less from run to run than sagas/s do (wrk's own CPU time is left out; so is
// the PostgreSQL server's, hence no figure for that store).
const cpuPerSaga = run => Object.values(run.cpu_us_per_saga).reduce((a, b) => a + b, 0);
const cpuRatioOf = config => median(rounds.map((_, i) => cpuPerSaga(runsOf.baseline[i]) / cpuPerSaga(runsOf[config][i])));
const medianRun = config => {
  const byThroughput = [...runsOf[config]].sort((a, b) => sps(a) - sps(b));
  return byThroughput[Math.floor(byThroughput.length / 2)];
};
const shown = configs.map(medianRun);

const lines = [
  `| run | sagas/s (median round) | × baseline (median of rounds) | × baseline by CPU per saga | sagas/s in each round | p50 ms | p90 ms | p99 ms | max ms | non-2xx | socket errors | max RSS MB | CPU µs per saga (order / participants) | stolen CPU % | read back confirmed |`,
  `|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|`,
  ...shown.map(({ config, figures: f, rss_mb, cpu_us_per_saga: cpu, sample }) =>
    `| ${config} | ${f.sagas_per_second.toFixed(0)} | ${ratioOf(config).toFixed(2)} | ${config.startsWith("postgres") ? "—" : cpuRatioOf(config).toFixed(2)} | ${runsOf[config].map(r => sps(r).toFixed(0)).join(", ")} | ` +
    `${f.p50_ms.toFixed(1)} | ${f.p90_ms.toFixed(1)} | ${f.p99_ms.toFixed(1)} | ${f.max_ms.toFixed(1)} | ${f.non_2xx} | ${f.socket_errors} | ` +
    `${Math.max(...Object.values(rss_mb))} | ${cpu ? `${cpu.order} / ${cpu.payment}, ${cpu.inventory}, ${cpu.delivery}` : "—"} | ` +
    `${runsOf[config].map(r => r.steal_pct.toFixed(0)).join(", ")} | ${sample ? `${sample.confirmed}/${sample.read}` : "—"} |`),
];
const all = configs.flatMap(c => runsOf[c]);
const sagaRuns = configs.slice(1).flatMap(c => runsOf[c]);
// This build against the one before, store by store: the median over rounds of the same round's ratio.
const againstBefore = store => median(rounds.map((_, i) => sps(runsOf[store][i]) / sps(runsOf[`${store}-before`][i])));
// The budget of issue #17 (memory per order held is bench/memory.sh's: it needs exactly 100 000 orders).
const budget = [
  [`in-memory store ≥ 0.7 × baseline by sagas/s (${ratioOf("memory").toFixed(2)} ×)`, ratioOf("memory") >= 0.7],
  [`in-memory store ≥ 0.75 × baseline by CPU per saga (${cpuRatioOf("memory").toFixed(2)} ×)`, cpuRatioOf("memory") >= 0.75],
  [`SQLite store (synchronous=FULL) ≥ 0.5 × baseline by sagas/s (${ratioOf("sqlite").toFixed(2)} ×)`, ratioOf("sqlite") >= 0.5],
  [`PostgreSQL store (synchronous_commit on) ≥ 0.25 × baseline by sagas/s (${ratioOf("postgres").toFixed(2)} ×)`, ratioOf("postgres") >= 0.25],
  ["p99 ≤ 5 × p50 in the median round of every SagaDemo store", shown.slice(1).every(r => r.figures.p99_ms <= 5 * r.figures.p50_ms)],
  ["zero non-2xx and socket errors in every run", all.every(r => r.figures.non_2xx === 0 && r.figures.socket_errors === 0)],
  ["every sampled order reads back confirmed", sagaRuns.every(r => r.sample.read > 0 && r.sample.confirmed === r.sample.read)],
  ...startup.map(s => [`start-up of the ${s.role} role to a healthy /health < 1 s (median ${median(s.ms)} ms)`, median(s.ms) < 1000]),
  ...(compared ? stores.map(s => [`${s}: this build ≥ 0.9 × the build before (${againstBefore(s).toFixed(2)} ×)`, againstBefore(s) >= 0.9]) : []),
];
const report = [
  `SagaDemo benchmark, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, \`bench/run.sh ${seconds} ${connections} ${roundCount}\` ` +
    `(wrk, 2 threads, ${connections} connections, ${seconds} s after a 10 s warm-up, ${roundCount} rounds)`,
  "",
  ...lines,
  "",
  `Start-up to a healthy /health (ms, 5 runs): ${startup.map(s => `${s.role} ${s.ms.join(", ")}`).join("; ")}`,
  "",
  ...budget.map(([what, ok]) => `- ${ok ? "holds" : "FAILS"}: ${what}`),
].join("\n");
console.log(report);
writeFileSync(join(out, "report.json"), JSON.stringify({ runs: runsOf, startup, budget: Object.fromEntries(budget) }, null, 2));
process.exit(budget.every(([, ok]) => ok) ? 0 : 1);
