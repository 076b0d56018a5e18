// The widget as a host page's build gets it: the wasm build's package folder
// (package.json's exports and types, the wasm beside the JavaScript, no dev
// page), its types as TypeScript resolves them through the exports, and
// web/widget.d.ts checked against what web/widget.js really exports.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { build, findPackage, run, scratch } from './support.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const widget = build.widgetDir;
const manifest = JSON.parse(fs.readFileSync(path.join(widget, 'package.json'), 'utf8'));

// tsc over `files` with `options`, in `dir`: its findings, '' when there are none.
function typeCheck(dir, files, options, config = {}) {
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, lib: ['es2022', 'dom'], types: [], ...options },
    files,
    ...config,
  }));
  const checked = spawnSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
  return checked.stdout + checked.stderr;
}

// A host project with the folder installed as node_modules/roomchat-widget and one source file.
function hostProject(source) {
  const dir = scratch('host');
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(widget, path.join(dir, 'node_modules/roomchat-widget'), 'dir');
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }');
  fs.writeFileSync(path.join(dir, 'host.ts'), source);
  return typeCheck(dir, ['host.ts'], { module: 'nodenext', moduleResolution: 'nodenext' });
}

test('package.json names the version, the entry point and its types, all present', () => {
  assert.equal(manifest.name, 'roomchat-widget');
  assert.equal(manifest.version, build.version);
  assert.equal(manifest.type, 'module');
  assert.deepEqual(manifest.exports['.'], { types: './widget.d.ts', default: './widget.js' });
  assert.equal(manifest.types, './widget.d.ts');
  const targets = Object.values(manifest.exports).flatMap((target) => (typeof target === 'string' ? [target] : Object.values(target)));
  for (const target of [...targets, './roomchat.js', './version.js', './README.md']) {
    assert.ok(fs.existsSync(path.join(widget, target)), `${target} is in the folder`);
  }
  for (const devOnly of ['index.html', 'dev.js', 'dev.css']) assert.ok(!fs.existsSync(path.join(widget, devOnly)), devOnly);
});

test('the packed tarball is the folder, at the same version', () => {
  const tarball = findPackage(build.packageDir, /^roomchat-widget-.*\.tgz$/);
  assert.equal(path.basename(tarball), `roomchat-widget-${build.version}.tgz`);
  const listing = run('tar', ['-tzf', tarball]).split('\n').filter(Boolean).sort();
  for (const file of ['package.json', 'widget.js', 'widget.d.ts', 'roomchat.wasm', 'roomchat.js', 'chat.css', 'view/chat_view.js']) {
    assert.ok(listing.includes(`package/${file}`), `${file} is packed`);
  }
  // This build's files, not an older tarball's of the same version.
  for (const file of ['package.json', 'widget.js', 'roomchat.wasm']) {
    const packed = execFileSync('tar', ['-xzOf', tarball, `package/${file}`], { maxBuffer: 16 << 20 });
    assert.ok(packed.equals(fs.readFileSync(path.join(widget, file))), `the packed ${file} is the folder's`);
  }
});

test('a host written in TypeScript gets the types through the exports', () => {
  assert.equal(hostProject(`
import { defaultUrl, mountChat, version, type MountedChat } from 'roomchat-widget';
const element = document.createElement('div');
const chat: Promise<MountedChat> = mountChat(element, {
  token: 't', room: 'lobby', url: defaultUrl(), theme: 'dark', pendingStorage: 'local',
  mediaTime: () => 12.5, onSeek: (seconds: number) => console.log(seconds), onTokenExpired: async () => 't2',
});
const release: string = version;
void chat.then((mounted) => { mounted.focus(); mounted.setToken('t3'); mounted.destroy(); });
void release;
`), '');
  // The same check finds a mistake: the types are really read, not any.
  const findings = hostProject(`
import { mountChat } from 'roomchat-widget';
void mountChat(document.body, { token: 't', theme: 'blue' });
`);
  assert.match(findings, /error TS2322: Type '"blue"' is not assignable/);
});

test('widget.d.ts declares exactly what widget.js exports', () => {
  // tsc writes the declarations it reads from widget.js's JSDoc, beside copies of the module's
  // types it refers to; then the two declarations must be the same type, export for export.
  const dir = scratch('declared');
  const emitted = path.join(dir, 'emitted');
  // The project's own tsconfig (what toolchain/dev lint checks web/ with), emitting this time.
  const emit = typeCheck(dir, [path.join(repo, 'web/widget.js')], {
    noEmit: false, declaration: true, emitDeclarationOnly: true, outDir: emitted, rootDir: repo,
  }, { extends: path.join(repo, 'tsconfig.json'), include: [path.join(repo, 'toolchain/dom-timers.d.ts')] });
  assert.equal(emit, '', 'widget.js declarations emit cleanly');
  for (const types of ['roomchat.d.ts', 'version.d.ts']) {
    fs.copyFileSync(path.join(repo, 'wasm', types), path.join(emitted, 'web', types));
  }
  fs.copyFileSync(path.join(repo, 'web/widget.d.ts'), path.join(dir, 'declared.d.ts'));
  fs.writeFileSync(path.join(dir, 'compare.ts'), `
import type * as declared from './declared.js';
import type * as implemented from './emitted/web/widget.js';
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Options = NonNullable<Parameters<typeof implemented.mountChat>[1]>;
export const names: Same<keyof typeof implemented, keyof typeof declared> = true;
export const element: Same<Parameters<typeof implemented.mountChat>[0], Parameters<typeof declared.mountChat>[0]> = true;
export const options: Same<Options, declared.MountOptions> = true;
export const mounted: Same<Awaited<ReturnType<typeof implemented.mountChat>>, declared.MountedChat> = true;
export const url: Same<typeof implemented.defaultUrl, typeof declared.defaultUrl> = true;
export const version: Same<typeof implemented.version, typeof declared.version> = true;
`);
  assert.equal(typeCheck(dir, ['compare.ts'], { module: 'esnext', moduleResolution: 'bundler' }), '');
});
