// What the package tests share: the build's facts from ctest's environment,
// a scratch folder, running a command, and fetching from a relay.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';

function required(name, what) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (${what}); run the package tests through ctest`);
  return value;
}

export const build = {
  version: required('ROOMCHAT_VERSION', "the project's version"),
  dir: required('ROOMCHAT_BUILD_DIR', 'the native build folder'),
  cmake: required('ROOMCHAT_CMAKE', 'the cmake executable'),
  packageDir: required('ROOMCHAT_PACKAGE_DIR', 'where toolchain/dev package writes the packages'),
  widgetDir: required('ROOMCHAT_WIDGET_DIR', "the wasm build's widget folder"),
};

// A fresh folder, removed when the test file ends.
export function scratch(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `roomchat-${prefix}-`));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// stdout of a command; a failure throws with its stderr.
export function run(command, args, options = {}) {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

// The one file in `dir` whose name matches, or an error that says how to make it.
export function findPackage(dir, pattern) {
  const names = fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => pattern.test(name)) : [];
  if (names.length !== 1) {
    throw new Error(`expected one file matching ${pattern} in ${dir}, found ${names.length}: run toolchain/dev package`);
  }
  return path.join(dir, names[0]);
}

export async function get(url) {
  const response = await fetch(url);
  return { status: response.status, type: response.headers.get('content-type'), body: Buffer.from(await response.arrayBuffer()) };
}

// A relay's secret for tests: 32 bytes, as the relay requires.
export const SECRET = 'package-test-secret-0123456789abcdef';
