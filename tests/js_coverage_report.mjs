// Line coverage of web/'s JavaScript from the V8 counts the browser tests
// wrote (tests/browser/js_coverage.mjs): one line per file and a total, also
// written to <coverage dir>/../web.txt. Files no test loaded count as 0%.
//
//   node tests/js_coverage_report.mjs <coverage dir> [--min PERCENT]
//
// V8 gives, per function, byte ranges with execution counts, nested ranges
// overriding the range around them. Painted over the source in that order
// (outer first), every character gets the count of the innermost range
// holding it; a line counts as run when its first non-blank character was.
// Blank lines and lines that start with a comment are not counted.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../web');

function parseArgs(argv) {
  const args = { dir: null, min: 0 };
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--min') args.min = Number(argv[(i += 1)]);
    else args.dir = argv[i];
  }
  if (!args.dir || Number.isNaN(args.min)) {
    throw new Error('usage: node tests/js_coverage_report.mjs <coverage dir> [--min PERCENT]');
  }
  return args;
}

// Per line: null when not counted, else whether the test run reached it.
function executableLines(source) {
  return source.split('\n').map((line) => {
    const text = line.trim();
    return text === '' || text.startsWith('//') || text.startsWith('/*') || text.startsWith('*') ? null : false;
  });
}

// The hit count of each line's first non-blank character, for one script.
function lineCounts(source, functions) {
  const counts = new Float64Array(source.length);
  const ranges = functions.flatMap((f) => f.ranges);
  ranges.sort((a, b) => a.startOffset - b.startOffset || b.endOffset - a.endOffset);
  for (const { startOffset, endOffset, count } of ranges) {
    counts.fill(count, startOffset, Math.min(endOffset, source.length));
  }
  const perLine = [];
  let offset = 0;
  for (const line of source.split('\n')) {
    const first = line.search(/\S/);
    perLine.push(first < 0 ? 0 : counts[offset + first]);
    offset += line.length + 1;
  }
  return perLine;
}

function webScripts(dir, prefix = '') {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const relative = `${prefix}/${entry.name}`;
    if (entry.isDirectory()) return webScripts(path.join(dir, entry.name), relative);
    return entry.name.endsWith('.js') ? [relative] : [];
  });
}

function report({ dir, min }) {
  // path served (/view/dom.js) -> per line: null (not counted) or reached
  const files = new Map();
  for (const served of webScripts(webDir)) {
    files.set(served, executableLines(fs.readFileSync(path.join(webDir, served), 'utf8')));
  }
  const pages = fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => name.endsWith('.json')) : [];
  if (pages.length === 0) throw new Error(`no coverage in ${dir}: did the browser tests run with ROOMCHAT_JS_COVERAGE_DIR?`);
  for (const name of pages) {
    for (const { path: served, source, functions } of JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'))) {
      const lines = files.get(served);
      if (!lines) continue; // not a file of web/ (any more)
      const counts = lineCounts(source, functions);
      if (counts.length !== lines.length) {
        throw new Error(`${served} in ${name} is not the web/ file of this checkout: rebuild the wasm site`);
      }
      counts.forEach((count, i) => {
        if (lines[i] === false && count > 0) lines[i] = true;
      });
    }
  }
  const rows = [...files.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([served, lines]) => {
      const total = lines.filter((l) => l !== null).length;
      const covered = lines.filter((l) => l === true).length;
      return { file: `web${served}`, covered, total };
    });
  const covered = rows.reduce((sum, r) => sum + r.covered, 0);
  const total = rows.reduce((sum, r) => sum + r.total, 0);
  const percent = (c, t) => (t === 0 ? 100 : (100 * c) / t);
  const format = (name, c, t) =>
    `${name.padEnd(30)} ${String(c).padStart(5)} / ${String(t).padEnd(5)} lines ${percent(c, t).toFixed(1).padStart(6)}%`;
  const text = [
    ...rows.map((r) => format(r.file, r.covered, r.total)),
    format(`total (${pages.length} pages)`, covered, total),
  ].join('\n');
  console.log(text);
  fs.writeFileSync(path.join(dir, '..', 'web.txt'), `${text}\n`);
  if (percent(covered, total) < min) {
    console.error(`web/ line coverage ${percent(covered, total).toFixed(1)}% is below the floor of ${min}%`);
    process.exitCode = 1;
  }
}

report(parseArgs(process.argv.slice(2)));
