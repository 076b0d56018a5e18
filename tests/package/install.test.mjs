// `cmake --install` of this build into a scratch DESTDIR with the prefix a
// package uses (/usr): the layout, the systemd unit as systemd reads it, and
// the installed relay started with no --web-root, which must serve the
// installed site and carry the project's version everywhere.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { spawnRelay } from '../relay_process.mjs';
import { SECRET, build, get, run, scratch } from './support.mjs';

const install = (destdir, prefix) =>
  run(build.cmake, ['--install', build.dir, '--prefix', prefix], { env: { ...process.env, DESTDIR: destdir } });
const destdir = scratch('install');
install(destdir, '/usr');
const installed = (file) => path.join(destdir, file);
const relayBinary = installed('usr/bin/roomchat-relay');
const site = installed('usr/share/roomchat/site');
const unitFile = installed('usr/lib/systemd/system/roomchat-relay.service');

test('the relay, its site, docs, unit and options file are where the install rules say', () => {
  const files = [
    'usr/bin/roomchat-relay',
    ...['index.html', 'widget.js', 'widget.d.ts', 'version.js', 'chat.css', 'roomchat.js', 'roomchat.wasm',
      'transport.js', 'view/chat_view.js'].map((file) => `usr/share/roomchat/site/${file}`),
    ...['README.md', 'CHANGELOG.md', 'copyright', 'relay.md', 'protocol.md', 'embedding.md', 'wasm-api.md']
      .map((file) => `usr/share/doc/roomchat-relay/${file}`),
    'usr/lib/systemd/system/roomchat-relay.service',
    'etc/default/roomchat-relay',
  ];
  for (const file of files) assert.ok(fs.existsSync(installed(file)), `${file} is installed`);
  assert.ok(fs.statSync(relayBinary).mode & 0o111, 'the relay is executable');
});

test('the unit starts the binary of the prefix, and systemd reads every line of it', () => {
  const unit = fs.readFileSync(unitFile, 'utf8');
  assert.match(unit, /^ExecStart=\/usr\/bin\/roomchat-relay$/m);
  assert.match(unit, /^EnvironmentFile=-\/etc\/default\/roomchat-relay$/m);
  assert.match(unit, /^Documentation=file:\/usr\/share\/doc\/roomchat-relay\/relay\.md$/m);
  assert.doesNotMatch(unit, /@[A-Z_]+@/, 'every placeholder is filled');
  assert.match(unit, /^ConditionPathExists=\/etc\/roomchat\/jwt-secret$/m, 'nothing starts without a secret');
  assert.match(unit, /^DynamicUser=yes$/m);
  // systemd-analyze needs the binary where ExecStart says: the scratch copy's path for it.
  const checked = path.join(scratch('unit'), 'roomchat-relay.service');
  fs.writeFileSync(checked, unit.replace(/^ExecStart=\S+/m, `ExecStart=${relayBinary}`));
  const verify = spawnSync('systemd-analyze', ['verify', '--man=no', checked], { encoding: 'utf8' });
  assert.equal(verify.error, undefined, 'systemd-analyze runs (Debian package systemd)');
  // An unknown key or a bad value is only a warning to systemd, so any line about this unit is
  // a finding; lines about the machine's other units (its targets' dependencies) are not ours.
  const findings = `${verify.stdout}${verify.stderr}`.split('\n').filter((line) => line.includes('roomchat-relay'));
  assert.deepEqual(findings, []);
  assert.equal(verify.status, 0);
});

test('under another prefix, the options are in its etc/; an operator\'s edits survive a reinstall', () => {
  const local = scratch('prefix');
  install(local, '/usr/local');
  const unit = fs.readFileSync(path.join(local, 'usr/local/lib/systemd/system/roomchat-relay.service'), 'utf8');
  assert.match(unit, /^ExecStart=\/usr\/local\/bin\/roomchat-relay$/m);
  assert.match(unit, /^EnvironmentFile=-\/usr\/local\/etc\/default\/roomchat-relay$/m);
  assert.match(unit, /^LoadCredential=jwt-secret:\/usr\/local\/etc\/roomchat\/jwt-secret$/m);
  const options = path.join(local, 'usr/local/etc/default/roomchat-relay');
  assert.ok(fs.readFileSync(options, 'utf8').includes('ROOMCHAT_PORT=8080'));
  assert.ok(!fs.existsSync(path.join(local, 'etc')), 'nothing outside the prefix');
  fs.writeFileSync(options, 'ROOMCHAT_PORT=9000\n');
  install(local, '/usr/local');
  assert.equal(fs.readFileSync(options, 'utf8'), 'ROOMCHAT_PORT=9000\n');
});

test('the installed relay serves the installed site with no --web-root', async (t) => {
  const relay = await spawnRelay(relayBinary, ['--port', '0'], { env: { ROOMCHAT_JWT_SECRET: SECRET } });
  t.after(() => relay.stop());
  const files = [
    ['index.html', '', 'text/html; charset=utf-8'],
    ['widget.js', 'widget.js', 'text/javascript; charset=utf-8'],
    ['chat.css', 'chat.css', 'text/css; charset=utf-8'],
    ['roomchat.js', 'roomchat.js', 'text/javascript; charset=utf-8'],
    ['roomchat.wasm', 'roomchat.wasm', 'application/wasm'],
  ];
  for (const [file, urlPath, type] of files) {
    const answer = await get(relay.url + urlPath);
    assert.equal(answer.status, 200, file);
    assert.equal(answer.type, type, file);
    assert.ok(answer.body.equals(fs.readFileSync(path.join(site, file))), `${file} is the installed one`);
  }
  // The relay names the folder it serves as the file system resolves it (TMPDIR may be a link).
  const served = fs.realpathSync(site);
  assert.ok(relay.log().includes(`web_root=${served}\n`), `the relay says it serves ${served}:\n${relay.log()}`);
});

test('--version, /healthz and the widget say the project version', async (t) => {
  assert.equal(run(relayBinary, ['--version']), `roomchat-relay ${build.version}\n`);
  const relay = await spawnRelay(relayBinary, ['--port', '0'], { env: { ROOMCHAT_JWT_SECRET: SECRET } });
  t.after(() => relay.stop());
  const health = await get(`${relay.url}healthz`);
  assert.equal(health.status, 200);
  assert.equal(JSON.parse(health.body.toString()).version, build.version);
  assert.match(fs.readFileSync(path.join(site, 'version.js'), 'utf8'), new RegExp(`^export const version = '${build.version.replaceAll('.', '\\.')}';$`, 'm'));
  assert.match(fs.readFileSync(path.join(site, 'widget.js'), 'utf8'), /^export \{ version \} from '\.\/version\.js';$/m,
    'widget.js exports it');
});
