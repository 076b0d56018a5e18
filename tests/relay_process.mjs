// A relay binary run as a child process for the Node tests (browser, package):
// started on the port its arguments name (--port 0: a free one), resolved
// once it prints the URL it listens on, stopped with SIGTERM as systemd does.

import { spawn } from 'node:child_process';

export async function spawnRelay(binary, args, { env = {} } = {}) {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let output = '';
  let announced = null;
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay printed no port within 20 s:\n${output}`)), 20_000);
    const collect = (chunk) => {
      output = (output + chunk).slice(-20_000);
      const match = !announced && output.match(/listening on (http:\/\/127\.0\.0\.1:\d+)\//);
      if (match) {
        announced = `${match[1]}/`;
        clearTimeout(timer);
        resolve(announced);
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`relay exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
  return {
    url,
    log: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
