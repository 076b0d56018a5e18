// The module's download size against its budget (issue 11: wasm + JS glue
// <= 85 KB gzipped), measured as build/wasm/size.txt and docs/wasm-api.md
// measure it: GNU gzip -9 (Node's zlib packs the same files about 450 bytes
// larger). A size, not a timing: the same build gives the same bytes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const wasmDir = process.env.ROOMCHAT_WASM_DIR ?? path.resolve(here, '../../build/wasm/wasm');
const BUDGET_BYTES = 85_000;

const gzipped = (name) => execFileSync('gzip', ['-9', '-c', path.join(wasmDir, name)], { maxBuffer: 1 << 24 }).length;

test(`roomchat.wasm and roomchat.js together are at most ${BUDGET_BYTES} bytes gzipped`, () => {
  const wasm = gzipped('roomchat.wasm');
  const js = gzipped('roomchat.js');
  console.log(`wasm ${wasm} + js ${js} = ${wasm + js} bytes gzipped (budget ${BUDGET_BYTES}, ${BUDGET_BYTES - wasm - js} to spare)`);
  assert.ok(wasm + js <= BUDGET_BYTES, `${wasm + js} bytes gzipped, over the budget of ${BUDGET_BYTES}`);
});
