// The Debian package toolchain/dev package made of the release build: its
// metadata and contents as dpkg-deb reads them, its maintainer scripts, and
// the relay unpacked from it, which must run, say the package's version and
// serve the packaged site with no --web-root.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { spawnRelay } from '../relay_process.mjs';
import { SECRET, build, findPackage, get, run, scratch } from './support.mjs';

const arch = run('dpkg', ['--print-architecture']).trim();
const deb = findPackage(build.packageDir, /^roomchat-relay_.*\.deb$/);
const field = (name) => run('dpkg-deb', ['--field', deb, name]).trim();

test('the package is named for its version and architecture, and says what it needs', () => {
  assert.equal(path.basename(deb), `roomchat-relay_${build.version}_${arch}.deb`);
  assert.equal(field('Package'), 'roomchat-relay');
  assert.equal(field('Version'), build.version);
  assert.equal(field('Architecture'), arch);
  assert.match(field('Maintainer'), /<.+@.+>/);
  assert.match(field('Description'), /^real-time text chat/);
  // dpkg-shlibdeps' findings: every library the relay links, with a version floor.
  const depends = field('Depends').split(/,\s*/);
  for (const library of [/^libboost-program-options1\.\d+\.\d+ /, /^libjwt\d* /, /^libssl3 /, /^libstdc\+\+6 /, /^libc6 /,
    /^init-system-helpers /]) {
    assert.ok(depends.some((entry) => library.test(entry)), `Depends has ${library}: ${depends.join(', ')}`);
  }
  const info = run('dpkg-deb', ['--info', deb]);
  for (const script of ['postinst', 'prerm', 'postrm', 'conffiles']) {
    assert.match(info, new RegExp(`^ .* ${script}\\b`, 'm'), `control has ${script}`);
  }
});

test('the package holds the relay, the site, the unit, the options file and the docs', () => {
  const listing = run('dpkg-deb', ['--contents', deb]).split('\n').filter(Boolean);
  const entry = (file) => listing.find((line) => line.endsWith(` ./${file}`));
  const expected = [
    'usr/bin/roomchat-relay',
    ...['index.html', 'widget.js', 'widget.d.ts', 'version.js', 'chat.css', 'roomchat.js', 'roomchat.wasm']
      .map((file) => `usr/share/roomchat/site/${file}`),
    'usr/lib/systemd/system/roomchat-relay.service',
    'etc/default/roomchat-relay',
    'usr/share/doc/roomchat-relay/relay.md',
    'usr/share/doc/roomchat-relay/CHANGELOG.md',
  ];
  for (const file of expected) {
    const line = entry(file);
    assert.ok(line, `${file} is in the package`);
    assert.match(line, /^-rw[-x]r-[-x]r-[-x] root\/root /, `${file}: root's, readable by all: ${line}`);
  }
  assert.match(entry('usr/bin/roomchat-relay'), /^-rwxr-xr-x /);
  // Only what the rules of relay/ and packaging/ install: nothing of the tests, the benchmarks or
  // the build folders. A folder is listed as 'path/', and may lead to what is allowed.
  const allowed = ['usr/bin/roomchat-relay', 'usr/share/roomchat/', 'usr/share/doc/roomchat-relay/',
    'usr/lib/systemd/system/roomchat-relay.service', 'etc/default/roomchat-relay'];
  const paths = listing.map((line) => line.slice(line.indexOf(' ./') + 3));
  const stray = paths.filter((file) => !allowed.some((root) => file.startsWith(root) || (file.endsWith('/') || file === '') && root.startsWith(file)));
  assert.deepEqual(stray, []);
});

test('the maintainer scripts are sh, and the options file is a conffile', () => {
  const control = scratch('control');
  run('dpkg-deb', ['--control', deb, control]);
  for (const script of ['postinst', 'prerm', 'postrm']) {
    const file = path.join(control, script);
    assert.equal(fs.statSync(file).mode & 0o777, 0o755, `${script} is executable`);
    assert.match(fs.readFileSync(file, 'utf8'), /^#!\/bin\/sh\n/);
    run('sh', ['-n', file]);
  }
  assert.equal(fs.readFileSync(path.join(control, 'conffiles'), 'utf8'), '/etc/default/roomchat-relay\n');
});

test('the packaged relay runs, says its version and serves the packaged site', async (t) => {
  const root = scratch('deb');
  run('dpkg-deb', ['--extract', deb, root]);
  const relayBinary = path.join(root, 'usr/bin/roomchat-relay');
  assert.equal(run(relayBinary, ['--version']), `roomchat-relay ${field('Version')}\n`);
  const unit = fs.readFileSync(path.join(root, 'usr/lib/systemd/system/roomchat-relay.service'), 'utf8');
  assert.match(unit, /^ExecStart=\/usr\/bin\/roomchat-relay$/m);
  const relay = await spawnRelay(relayBinary, ['--port', '0'], { env: { ROOMCHAT_JWT_SECRET: SECRET } });
  t.after(() => relay.stop());
  const wasm = await get(`${relay.url}roomchat.wasm`);
  assert.equal(wasm.status, 200);
  assert.equal(wasm.type, 'application/wasm');
  assert.ok(wasm.body.equals(fs.readFileSync(path.join(root, 'usr/share/roomchat/site/roomchat.wasm'))));
  assert.equal(JSON.parse((await get(`${relay.url}healthz`)).body.toString()).version, build.version);
});
