// Size, time and connection limits: hostile or broken clients are cut off and the daemon keeps
// serving everyone else. Every attack here is bounded in size and duration.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';

import { Fixture, PORTAL_ORIGIN, errorCode, rawExchange, sleep, statusOf, waitFor } from './lib/daemon.mjs';

// Above the daemon's default limits (8 MiB body and WebSocket message).
const OVERSIZE = 9 * 1024 * 1024;

describe('limits', () => {
  let fx;
  let d;

  before(async () => {
    fx = Fixture.create();
    d = await fx.start();
  });
  after(() => fx?.cleanup());

  async function stillServing() {
    assert.ok(d.alive(), 'daemon process is alive');
    const info = await d.call('system.info');
    assert.equal(info.name, 'SealBridge');
  }

  test('an oversized body gets 413 PAYLOAD_TOO_LARGE before it is all sent', async () => {
    const head = [
      'POST /rpc HTTP/1.1',
      `Host: ${d.host}`,
      `Origin: ${PORTAL_ORIGIN}`,
      'Content-Type: application/json',
      `Content-Length: ${OVERSIZE * 4}`,
      '', '',
    ].join('\r\n');
    // Stream the body in chunks until the daemon answers or has had the whole declared size.
    const reply = await new Promise((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port: d.port });
      const chunk = Buffer.alloc(256 * 1024, 0x20);
      let sent = 0;
      let data = '';
      const done = () => { clearTimeout(timer); socket.destroy(); resolve(data); };
      const timer = setTimeout(done, 10000);
      const pump = () => {
        while (sent < OVERSIZE * 4 && !socket.destroyed) {
          sent += chunk.length;
          if (!socket.write(chunk)) { socket.once('drain', pump); return; }
        }
      };
      socket.on('connect', () => { socket.write(head); pump(); });
      socket.on('data', (c) => { data += c.toString('latin1'); if (data.includes('\r\n\r\n')) setTimeout(done, 100); });
      socket.on('error', done);
      socket.on('close', done);
    });
    assert.equal(statusOf(reply), 413, reply.slice(0, 300));
    const body = reply.slice(reply.indexOf('\r\n\r\n') + 4);
    if (body.trim().startsWith('{')) assert.equal(errorCode(JSON.parse(body)), 'PAYLOAD_TOO_LARGE');
    await stillServing();
  });

  test('an oversized body through the HTTP client also gets 413', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'system.info', params: { pad: 'x'.repeat(OVERSIZE) } });
    let res;
    try {
      res = await d.rpcRaw(body);
    } catch (e) {
      // The daemon may answer and close before reading the rest; the client then sees a reset.
      assert.match(String(e.code ?? e.message), /ECONNRESET|EPIPE|socket hang up/);
    }
    if (res) {
      assert.equal(res.http.status, 413);
      assert.equal(errorCode(res), 'PAYLOAD_TOO_LARGE');
    }
    await stillServing();
  });

  test('a large but allowed body is served', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'token.list', params: { pad: 'x'.repeat(1024 * 1024) } });
    const reply = await d.rpcRaw(body);
    assert.ok(reply.result || ['BAD_PARAMS'].includes(errorCode(reply)), JSON.stringify(reply).slice(0, 300));
  });

  test('an oversized WebSocket message closes the socket with 1009', async () => {
    const ws = await d.ws();
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'system.info', params: { pad: 'x'.repeat(OVERSIZE) } }));
    const closed = await Promise.race([ws.closed, sleep(10000).then(() => null)]);
    assert.ok(closed, 'socket closed within 10 s');
    assert.equal(closed.code, 1009, JSON.stringify(closed));
    await stillServing();
  });

  test('a fragmented WebSocket message over the limit is refused too', async () => {
    const ws = await d.ws();
    const piece = 'x'.repeat(1024 * 1024);
    ws.ws.send('{"jsonrpc":"2.0","id":1,"method":"system.info","params":{"pad":"', { fin: false });
    for (let i = 0; i < 10 && ws.ws.readyState === WebSocket.OPEN; i++) ws.ws.send(piece, { fin: false });
    if (ws.ws.readyState === WebSocket.OPEN) ws.ws.send('"}}', { fin: true });
    const closed = await Promise.race([ws.closed, sleep(10000).then(() => null)]);
    assert.ok(closed, 'socket closed within 10 s');
    assert.equal(closed.code, 1009, JSON.stringify(closed));
    await stillServing();
  });

  test('oversized headers are refused', async () => {
    const head = `GET / HTTP/1.1\r\nHost: ${d.host}\r\nX-Pad: ${'a'.repeat(64 * 1024)}\r\n\r\n`;
    const { data } = await rawExchange(d.port, head, { timeoutMs: 5000 });
    const status = statusOf(data);
    assert.ok(status === 0 || status === 431 || status === 400 || status === 413, `status ${status}`);
    await stillServing();
  });

  test('garbage bytes on the socket do not hurt the daemon', async () => {
    const inputs = [
      Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0xde, 0xad, 0xbe, 0xef, 0x00]),
      Buffer.from('\x00\x01\x02\x03\xff\xfe\r\n\r\n', 'latin1'),
      Buffer.from('GET /\r\n\r\n'),
      Buffer.from('POST /rpc HTTP/1.1\r\nContent-Length: -5\r\n\r\n'),
      Buffer.from(`POST /rpc HTTP/1.1\r\nHost: ${d.host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`),
      Buffer.from('HELLO THERE\r\n\r\n'),
    ];
    let seed = 12345;
    const random = Buffer.alloc(4096);
    for (let i = 0; i < random.length; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      random[i] = seed & 0xff;
    }
    inputs.push(random);
    for (const bytes of inputs) {
      const { data } = await rawExchange(d.port, bytes, { timeoutMs: 3000, halfClose: true });
      const status = statusOf(data);
      assert.ok(status === 0 || (status >= 400 && status < 500), `status ${status} for ${bytes.slice(0, 20).toString('hex')}`);
    }
    await stillServing();
  });

  test('slow partial headers do not block other clients (bounded slowloris)', async () => {
    const slow = [];
    for (let i = 0; i < 8; i++) {
      const socket = net.connect({ host: '127.0.0.1', port: d.port });
      socket.on('error', () => {});
      socket.write(`POST /rpc HTTP/1.1\r\nHost: ${d.host}\r\n`);
      slow.push(socket);
    }
    try {
      await sleep(300);
      for (const socket of slow) if (!socket.destroyed) socket.write('X-Slow: 1\r\n');
      const started = Date.now();
      await stillServing();
      assert.ok(Date.now() - started < 3000, 'served promptly while slow clients hang');
    } finally {
      for (const socket of slow) socket.destroy();
    }
  });

  test('200 connections at once, then the daemon serves again', async (t) => {
    const sockets = [];
    const results = await Promise.all(Array.from({ length: 200 }, () => new Promise((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port: d.port });
      sockets.push(socket);
      let closed = false;
      socket.on('connect', () => resolve({ socket, connected: true, isClosed: () => closed }));
      socket.on('error', () => resolve({ socket, connected: false, isClosed: () => true }));
      socket.on('close', () => { closed = true; });
    })));
    try {
      const connected = results.filter((r) => r.connected).length;
      // Connections above the cap are closed by the daemon rather than left to pile up.
      await waitFor(() => results.filter((r) => !r.isClosed()).length <= 100,
        { timeoutMs: 5000, what: 'the daemon to shed connections over its cap' }).catch(() => {});
      const open = results.filter((r) => !r.isClosed()).length;
      assert.ok(connected > 0);
      t.diagnostic(`${connected} of 200 connected, ${open} still open after the daemon's shedding`);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
    await waitFor(async () => {
      try { return (await d.call('system.info')).name === 'SealBridge'; } catch { return false; }
    }, { timeoutMs: 5000, what: 'the daemon to answer again' });
    await stillServing();
  });

  test('many quick requests in parallel are all answered', async () => {
    const replies = await Promise.all(Array.from({ length: 40 }, (_, i) => d.rpc('token.list', {}, { id: i })));
    for (const [i, reply] of replies.entries()) {
      assert.equal(reply.id, i);
      assert.equal(reply.result.tokens.length, 1);
    }
  });
});
