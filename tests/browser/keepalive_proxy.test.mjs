// A keep-alive reverse proxy in front of the relay, as nginx with upstream
// keep-alive or Node's http.Agent would be. The relay answers one HTTP
// request per connection; before it said "Connection: close", the proxy
// reused closed connections and answered 502 for some of a page's files.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';

import { forwardingProxy, startRelay } from './support.mjs';

let relay;
let proxy;
let proxyUrl;

before(async () => {
  relay = await startRelay();
  const forwarding = forwardingProxy(relay, { agent: new http.Agent({ keepAlive: true, maxSockets: 4 }) });
  proxy = forwarding.server;
  await forwarding.listening;
  proxyUrl = forwarding.url();
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
