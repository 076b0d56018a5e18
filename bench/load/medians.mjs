// Turns the JSON of several `toolchain/dev bench load` runs into the Markdown
// tables of docs/benchmarks.md: the median of each figure over the runs, so
// that re-measuring after a relay change is a copy and paste.
//   node bench/load/medians.mjs RUN_DIR RUN_DIR [...]
// Each RUN_DIR holds the load-PROFILE.json files of one run (a copy of
// build/release/bench/ after `toolchain/dev bench load`).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  console.error('usage: node bench/load/medians.mjs RUN_DIR [RUN_DIR...]');
  process.exit(2);
}

// runs[profile] = that profile's documents, one per run that has it.
const runs = {};
for (const dir of dirs) {
  for (const file of readdirSync(dir).filter((f) => /^load-.+\.json$/.test(f))) {
    const doc = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    (runs[doc.profile] ??= []).push(doc);
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// The median of pick(doc) over the runs, with each run's value after it when there are several.
function cell(docs, pick, digits) {
  const values = docs.map(pick);
  const shown = median(values).toFixed(digits);
  return values.length > 1 ? `${shown} (${values.map((v) => v.toFixed(digits)).join(', ')})` : shown;
}

const order = ['seed', 'stress', 'saturation', 'rooms', 'idle', 'join', 'big-room', 'smoke'];
const profiles = Object.keys(runs).sort((a, b) => order.indexOf(a) - order.indexOf(b));
const chat = profiles.filter((p) => runs[p][0].windows.length === 1 && runs[p][0].join.count === 0);
const cpu = (doc, which) => doc.windows[0][which];
const mb = (kb) => kb / 1024;

console.log(`Medians of ${dirs.length} run(s); each run's figure in parentheses.\n`);
console.log('| profile | deliveries/s | delivery p50 / p95 / p99 / max (ms) | ack p50 / p99 (ms) | lost / dup '
  + '| relay CPU per 1,000 deliveries: total, then user / kernel (ms) | relay peak RSS (MB) | generator CPU per 1,000 (ms) |');
console.log('|---|---|---|---|---|---|---|---|');
for (const p of chat) {
  const docs = runs[p];
  const w = (doc) => doc.windows[0];
  const sum = (pick) => docs.reduce((total, doc) => total + pick(doc), 0);
  console.log(`| ${p} | ${cell(docs, (d) => w(d).deliveries_per_s, 0)} `
    + `| ${median(docs.map((d) => w(d).delivery.p50_ms)).toFixed(1)} / `
    + `${median(docs.map((d) => w(d).delivery.p95_ms)).toFixed(1)} / ${cell(docs, (d) => w(d).delivery.p99_ms, 1)} / `
    + `${median(docs.map((d) => w(d).delivery.max_ms)).toFixed(1)} `
    + `| ${cell(docs, (d) => w(d).ack.p50_ms, 2)} / ${median(docs.map((d) => w(d).ack.p99_ms)).toFixed(1)} `
    + `| ${sum((d) => w(d).lost)} / ${sum((d) => w(d).duplicated)} `
    + `| ${cell(docs, (d) => cpu(d, 'relay_cpu').ms_per_1000_deliveries, 2)}: `
    + `${median(docs.map((d) => cpu(d, 'relay_cpu').user_ms_per_1000_deliveries)).toFixed(2)} / `
    + `${median(docs.map((d) => cpu(d, 'relay_cpu').kernel_ms_per_1000_deliveries)).toFixed(2)} `
    + `| ${cell(docs, (d) => mb(d.relay_peak_rss_kb), 1)} `
    + `| ${cell(docs, (d) => cpu(d, 'generator_cpu').ms_per_1000_deliveries, 2)} |`);
}

const lines = [];
if (runs.saturation) {
  const docs = runs.saturation;
  lines.push(`- saturation: highest clean step ${cell(docs, (d) => d.highest_clean_deliveries_per_s, 0)} `
    + `deliveries/s; saturated ${docs.map((d) => d.saturated).join('; ')}`);
}
if (runs.idle) {
  const docs = runs.idle;
  lines.push(`- idle: ${docs[0].clients_joined} connections, relay RSS ${cell(docs, (d) => mb(d.relay_rss_kb), 1)} MB `
    + `(peak ${cell(docs, (d) => mb(d.relay_peak_rss_kb), 1)} MB), ${cell(docs, (d) => d.per_connection_kb, 1)} KB `
    + 'per connection');
}
if (runs.join) {
  const docs = runs.join;
  lines.push(`- join (join -> history, ${docs[0].join.count} joins one at a time): `
    + `p50 ${cell(docs, (d) => d.join.p50_ms, 2)}, p95 ${median(docs.map((d) => d.join.p95_ms)).toFixed(2)}, `
    + `p99 ${cell(docs, (d) => d.join.p99_ms, 2)}, max ${median(docs.map((d) => d.join.max_ms)).toFixed(2)} ms`);
}
const problems = profiles.flatMap((p) => runs[p].flatMap((d) => d.problems.map((text) => `${p}: ${text}`)));
lines.push(...problems.map((text) => `- PROBLEM ${text}`));
if (lines.length > 0) console.log(`\n${lines.join('\n')}`);
