// A keep-alive reverse proxy in front of the relay, as nginx with upstream
// keep-alive or Node's http.Agent would be. The relay answers one HTTP
// request per connection; before it said "Connection: close", the proxy
// reused closed connections and answered 502 for some of a page's files.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';

import { startRelay } from './support.mjs';

let relay;
let proxy;
let proxyUrl;

before(async () => {
  relay = await startRelay();
  const upstream = new URL(relay.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  proxy = http.createServer((request, response) => {
    const forwarded = http.request(
      { host: upstream.hostname, port: upstream.port, path: request.url, method: request.method, headers: request.headers, agent },
      (answer) => {
        response.writeHead(answer.statusCode, answer.headers);
        answer.pipe(response);
      },
    );
    forwarded.on('error', () => {
      response.writeHead(502);
      response.end();
    });
    request.pipe(forwarded);
  });
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${proxy.address().port}`;
});

after(async () => {
  await new Promise((resolve) => proxy.close(resolve));
  await relay.stop();
});

test('every file of the page comes through a keep-alive proxy, round after round', async () => {
  const files = ['/', '/widget.js', '/chat.css', '/roomchat.js', '/roomchat.wasm', '/dev.js', '/dev.css', '/transport.js'];
  const statuses = [];
  for (let round = 0; round < 5; ++round) {
    // A page loads its files at once, as a browser does.
    const answers = await Promise.all(files.map((file) => fetch(proxyUrl + file)));
    for (const answer of answers) {
      statuses.push(answer.status);
      assert.equal(answer.headers.get('server'), null, 'no version banner');
      await answer.arrayBuffer();
    }
  }
  assert.deepEqual(statuses.filter((status) => status !== 200), [], `statuses: ${statuses.join(' ')}`);
});
