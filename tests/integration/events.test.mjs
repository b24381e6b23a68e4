// Hot-plug: the test PKCS#11 module hides a token while its serial is listed in the control
// file; the daemon polls (<= 500 ms) and pushes token.removed / token.inserted to subscribers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Fixture, errorCode, sleep, waitFor } from './lib/daemon.mjs';

// Detection polls every <= 500 ms; allow for a loaded 2-core machine.
const EVENT_TIMEOUT_MS = 2500;

describe('token events', () => {
  let fx;
  let d;
  let token;

  before(async () => {
    fx = Fixture.create();
    d = await fx.start();
    [token] = (await d.call('token.list')).tokens;
  });
  after(() => fx?.cleanup());

  test('events.subscribe over WebSocket', async (t) => {
    const ws = await d.ws();
    t.after(() => ws.close());
    const result = await ws.call('events.subscribe');
    assert.equal(result.subscribed, true);
    assert.ok(result.events.includes('token.inserted'), JSON.stringify(result));
    assert.ok(result.events.includes('token.removed'), JSON.stringify(result));
  });

  test('unplug -> token.removed, plug -> token.inserted, same id; only subscribers hear it', async (t) => {
    const subscriber = await d.ws();
    const other = await d.ws();
    const bystander = await d.ws();
    t.after(async () => {
      fx.plug();
      await Promise.all([subscriber.close(), other.close(), bystander.close()]);
    });
    await subscriber.call('events.subscribe');
    await other.call('events.subscribe');

    const unplugged = Date.now();
    fx.unplug();
    const removed = await subscriber.notification('token.removed', { timeoutMs: EVENT_TIMEOUT_MS });
    const latency = Date.now() - unplugged;
    assert.equal(removed.jsonrpc, '2.0');
    assert.equal(removed.id, undefined, 'a notification has no id');
    assert.deepEqual(removed.params.token, token, 'token.removed carries the last known token object');
    const removedToo = await other.notification('token.removed', { timeoutMs: EVENT_TIMEOUT_MS });
    assert.equal(removedToo.params.token.id, token.id);
    assert.equal((await d.call('token.list')).tokens.length, 0);

    fx.plug();
    const inserted = await subscriber.notification('token.inserted', { timeoutMs: EVENT_TIMEOUT_MS });
    assert.equal(inserted.params.token.id, token.id, 'same id after re-plug');
    assert.equal(inserted.params.token.serial, token.serial);
    assert.equal(inserted.params.token.label, token.label);
    await other.notification('token.inserted', { timeoutMs: EVENT_TIMEOUT_MS });
    const { tokens } = await d.call('token.list');
    assert.deepEqual(tokens.map((x) => x.id), [token.id]);

    // Exactly one event per transition, and nothing for sockets that did not subscribe.
    await sleep(700);
    assert.deepEqual(subscriber.inbox, [], 'no duplicate events');
    assert.deepEqual(bystander.inbox, [], 'an unsubscribed socket gets no events');
    t.diagnostic(`token.removed after ${latency} ms`);
  });

  test('cert.list on an unplugged key answers TOKEN_REMOVED', async (t) => {
    t.after(() => fx.plug());
    fx.unplug();
    await waitFor(async () => (await d.call('token.list')).tokens.length === 0,
      { timeoutMs: EVENT_TIMEOUT_MS, what: 'the key to disappear' });
    const reply = await d.rpc('cert.list', { token: token.id });
    assert.equal(errorCode(reply), 'TOKEN_REMOVED', 'a key that was known and is now gone');

    fx.plug();
    await waitFor(async () => (await d.call('token.list')).tokens.length === 1,
      { timeoutMs: EVENT_TIMEOUT_MS, what: 'the key to come back' });
    const { certificates } = await d.call('cert.list', { token: token.id });
    assert.equal(certificates.length, 2);
  });

  test('cert.list right after unplug, before the poll notices, is TOKEN_REMOVED too', async (t) => {
    t.after(() => fx.plug());
    fx.unplug();
    const reply = await d.rpc('cert.list', { token: token.id });
    if (reply.error) {
      assert.ok(['TOKEN_REMOVED'].includes(errorCode(reply)), JSON.stringify(reply));
    } else {
      // The module may not have re-read its control file yet: then the key is still there.
      assert.equal(reply.result.certificates.length, 2);
    }
    fx.plug();
    await waitFor(async () => (await d.call('token.list')).tokens.length === 1,
      { timeoutMs: EVENT_TIMEOUT_MS, what: 'the key to come back' });
  });

  test('a subscriber that disconnects does not disturb the daemon', async () => {
    const ws = await d.ws();
    await ws.call('events.subscribe');
    ws.ws.terminate();
    fx.unplug();
    try {
      await waitFor(async () => (await d.call('token.list')).tokens.length === 0,
        { timeoutMs: EVENT_TIMEOUT_MS, what: 'the key to disappear' });
    } finally {
      fx.plug();
    }
    await waitFor(async () => (await d.call('token.list')).tokens.length === 1,
      { timeoutMs: EVENT_TIMEOUT_MS, what: 'the key to come back' });
    assert.ok(d.alive());
  });
});
