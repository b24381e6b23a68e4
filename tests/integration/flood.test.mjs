// One local process must not be able to lock everyone else out, nor make the daemon's memory
// grow without bound: connection floods, slowloris, refused requests that never stop sending,
// WebSocket clients that never read, oversized batches. Figures are reported as diagnostics.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';

import { Fixture, PORTAL_ORIGIN, sleep, statusOf, waitFor } from './lib/daemon.mjs';
import { processStatus } from './lib/proc.mjs';

const MiB = 1024 * 1024;

const memory = processStatus;
const mib = (n) => `${(n / MiB).toFixed(1)} MiB`;

// allowHalfOpen: the client keeps sending after the daemon's FIN, so 'close' marks the
// daemon closing the connection, not the client giving up.
function connect(port, { allowHalfOpen = false } = {}) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen });
    socket.on('error', () => {});
    socket.once('connect', () => resolve(socket));
    socket.once('close', () => resolve(socket));
  });
}

// A masked client text frame.
function textFrame(text) {
  const payload = Buffer.from(text);
  const mask = Buffer.from([1, 2, 3, 4]);
  let head;
  if (payload.length < 126) {
    head = Buffer.from([0x81, 0x80 | payload.length]);
  } else if (payload.length < 65536) {
    head = Buffer.alloc(4);
    head[0] = 0x81; head[1] = 0x80 | 126; head.writeUInt16BE(payload.length, 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = 0x81; head[1] = 0x80 | 127; head.writeBigUInt64BE(BigInt(payload.length), 2);
  }
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
  return Buffer.concat([head, mask, masked]);
}

// A WebSocket session on a raw socket that is never read from after the handshake.
function deafWebSocket(d) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: d.port });
    let data = Buffer.alloc(0);
    socket.on('error', () => {});
    socket.on('connect', () => socket.write([
      'GET /ws HTTP/1.1', `Host: ${d.host}`, `Origin: ${PORTAL_ORIGIN}`, 'Connection: Upgrade',
      'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', '', '',
    ].join('\r\n')));
    const onData = (chunk) => {
      data = Buffer.concat([data, chunk]);
      if (data.indexOf('\r\n\r\n') < 0) return;
      socket.off('data', onData);
      if (statusOf(data.toString('latin1')) !== 101) return reject(new Error(data.toString('latin1').slice(0, 200)));
      socket.pause();  // never read again: the daemon's writes back up
      resolve(socket);
    };
    socket.on('data', onData);
    setTimeout(() => reject(new Error('handshake timed out')), 5000);
  });
}

async function timedCall(d) {
  const started = Date.now();
  const info = await d.call('system.info');
  assert.equal(info.name, 'SealBridge');
  return Date.now() - started;
}

describe('flood', () => {
  let fx;
  let d;

  before(async () => {
    fx = Fixture.create();
    d = await fx.start();
  });
  after(() => fx?.cleanup());

  test('checklist 5, 6: 80 slowloris connections dribbling header bytes: a fresh client is answered within ~1 s', async (t) => {
    const slow = [];
    for (let i = 0; i < 80; i++) {
      const socket = await connect(d.port);
      socket.write(`POST /rpc HTTP/1.1\r\nHost: ${d.host}\r\n`);
      slow.push(socket);
    }
    const dribble = setInterval(() => {
      for (const s of slow) if (!s.destroyed) s.write('X-Slow: 1\r\n');
    }, 200);
    try {
      await sleep(500);
      const times = [];
      for (let i = 0; i < 5; i++) {
        times.push(await timedCall(d));
        // The flood keeps coming back, as an attacker would.
        for (let k = 0; k < 20; k++) {
          const s = await connect(d.port);
          s.write(`GET / HTTP/1.1\r\nHost: ${d.host}\r\n`);
          slow.push(s);
        }
      }
      const open = slow.filter((s) => !s.destroyed && s.readyState === 'open').length;
      t.diagnostic(`fresh client answered in ${times.join(', ')} ms with ${slow.length} flood connections opened (${open} still open)`);
      assert.ok(Math.max(...times) < 1500, `answered within 1.5 s: ${times}`);
    } finally {
      clearInterval(dribble);
      for (const s of slow) s.destroy();
    }
  });

  test('checklist 5: one slowloris connection is closed at the absolute header deadline (10 s)', async (t) => {
    const socket = await connect(d.port);
    const started = Date.now();
    socket.write(`POST /rpc HTTP/1.1\r\nHost: ${d.host}\r\n`);
    const dribble = setInterval(() => { if (!socket.destroyed) socket.write('X'); }, 100);
    const closed = new Promise((resolve) => socket.once('close', () => resolve(Date.now() - started)));
    try {
      const elapsed = await Promise.race([closed, sleep(16000).then(() => null)]);
      t.diagnostic(`closed after ${elapsed} ms`);
      assert.ok(elapsed !== null && elapsed < 13000, `closed within the header deadline: ${elapsed}`);
    } finally {
      clearInterval(dribble);
      socket.destroy();
    }
  });

  test('checklist 3: a refused request that keeps sending is drained for at most 2 s, then closed', async (t) => {
    const socket = await connect(d.port, { allowHalfOpen: true });
    let response = '';
    socket.on('data', (c) => { response += c.toString('latin1'); });
    socket.write([
      'POST /rpc HTTP/1.1', `Host: ${d.host}`, 'Origin: https://evil.example',
      'Content-Type: application/json', 'Content-Length: 1000000000', '', '',
    ].join('\r\n'));
    const started = Date.now();
    const dribble = setInterval(() => { if (!socket.destroyed) socket.write('x'.repeat(100)); }, 50);
    const closed = new Promise((resolve) => socket.once('close', () => resolve(Date.now() - started)));
    try {
      const elapsed = await Promise.race([closed, sleep(10000).then(() => null)]);
      t.diagnostic(`refused with ${statusOf(response)}, closed after ${elapsed} ms`);
      assert.equal(statusOf(response), 403);
      assert.ok(elapsed !== null && elapsed < 3500, `closed within the drain bound: ${elapsed}`);
      assert.ok(elapsed > 1000, `drained for a while before closing (so the 403 is not reset): ${elapsed}`);
    } finally {
      clearInterval(dribble);
      socket.destroy();
    }
  });

  test('checklist 4: WebSocket clients that never read their replies: memory stays bounded', async (t) => {
    const before = memory(d.child.pid);
    const request = textFrame(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'system.info', params: {} }));
    const burst = Buffer.concat(Array.from({ length: 2000 }, () => request));
    const sockets = [];
    for (let i = 0; i < 8; i++) sockets.push(await deafWebSocket(d));
    try {
      // Each writes ~200 k requests (about 14 MB) it never reads the answers to.
      for (let round = 0; round < 100; round++) {
        for (const s of sockets) if (!s.destroyed && s.writableLength < 8 * MiB) s.write(burst);
        await sleep(20);
      }
      await sleep(1500);
      const during = memory(d.child.pid);
      t.diagnostic(`8 deaf WebSocket clients: RSS ${mib(before.rss)} before, ${mib(during.rss)} after, peak ${mib(during.hwm)}`);
      assert.ok(during.hwm - before.rss < 200 * MiB, `peak grew by ${mib(during.hwm - before.rss)}`);
      t.diagnostic(`fresh client answered in ${await timedCall(d)} ms meanwhile`);
    } finally {
      for (const s of sockets) s.destroy();
    }
  });

  test('checklist 3: three concurrent oversized system.info batches: refused or answered, memory bounded', async (t) => {
    const before = memory(d.child.pid);
    const item = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'system.info', params: {} });
    const batch = (bytes) => `[${Array.from({ length: Math.floor(bytes / (item.length + 1)) }, () => item).join(',')}]`;
    const results = await Promise.all([8 * MiB, 8 * MiB, 8 * MiB].map((n) => d.http({
      method: 'POST', path: '/rpc', body: batch(n), timeoutMs: 60000,
      headers: { Origin: PORTAL_ORIGIN, 'Content-Type': 'application/json' },
    }).catch((e) => ({ status: e.code ?? e.message }))));
    const after = memory(d.child.pid);
    t.diagnostic(`3 x 8 MiB batches -> ${results.map((r) => r.status).join(', ')}; RSS ${mib(before.rss)} before, peak ${mib(after.hwm)}, after ${mib(after.rss)}`);
    for (const r of results) assert.ok([413, 'ECONNRESET', 'EPIPE'].includes(r.status), `status ${r.status}`);
    assert.ok(after.hwm - before.rss < 100 * MiB, `peak grew by ${mib(after.hwm - before.rss)}`);
    await waitFor(async () => (await timedCall(d)) >= 0, { what: 'the daemon to answer' });
  });
});
