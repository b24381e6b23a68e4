// WebSocket frames by hand, for what the ws package refuses to send: odd opcodes, endless
// fragments, invalid UTF-8, pings that are never answered, clients that never read.
import net from 'node:net';

import { PORTAL_ORIGIN, statusOf } from './daemon.mjs';

// A masked client frame with any opcode and FIN bit (ws refuses to send the odd ones).
export function frame(opcode, payload, { fin = true } = {}) {
  const data = Buffer.from(payload);
  const mask = Buffer.from([0x11, 0x22, 0x33, 0x44]);
  let head;
  if (data.length < 126) {
    head = Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | data.length]);
  } else if (data.length < 65536) {
    head = Buffer.alloc(4);
    head[0] = (fin ? 0x80 : 0) | opcode; head[1] = 0x80 | 126; head.writeUInt16BE(data.length, 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = (fin ? 0x80 : 0) | opcode; head[1] = 0x80 | 127; head.writeBigUInt64BE(BigInt(data.length), 2);
  }
  return Buffer.concat([head, mask, Buffer.from(data.map((b, i) => b ^ mask[i % 4]))]);
}

// A WebSocket on a raw socket: resolves once upgraded, with everything the daemon sends after
// the handshake collected in `received` and 'close' recorded.
export function rawWebSocket(d) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: d.port });
    const state = { socket, received: Buffer.alloc(0), closed: false };
    let head = Buffer.alloc(0);
    let upgraded = false;
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('handshake timed out')); }, 5000);
    socket.on('error', () => {});
    socket.on('close', () => { state.closed = true; });
    socket.on('connect', () => socket.write([
      'GET /ws HTTP/1.1', `Host: ${d.host}`, `Origin: ${PORTAL_ORIGIN}`, 'Connection: Upgrade',
      'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', '', '',
    ].join('\r\n')));
    socket.on('data', (chunk) => {
      if (upgraded) {
        state.received = Buffer.concat([state.received, chunk]);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      clearTimeout(timer);
      if (statusOf(head.toString('latin1')) !== 101) {
        socket.destroy();
        reject(new Error(`upgrade refused: ${head.toString('latin1').slice(0, 200)}`));
        return;
      }
      upgraded = true;
      state.received = head.subarray(end + 4);
      resolve(state);
    });
  });
}

// Server frames in `buf` (unmasked): [{opcode, payload}].
export function parseFrames(buf) {
  const frames = [];
  let at = 0;
  while (at + 2 <= buf.length) {
    let length = buf[at + 1] & 0x7f;
    let start = at + 2;
    if (length === 126) { if (start + 2 > buf.length) break; length = buf.readUInt16BE(start); start += 2; }
    else if (length === 127) { if (start + 8 > buf.length) break; length = Number(buf.readBigUInt64BE(start)); start += 8; }
    if (start + length > buf.length) break;
    frames.push({ opcode: buf[at] & 0x0f, payload: buf.subarray(start, start + length) });
    at = start + length;
  }
  return frames;
}
export const closeCode = (state) => {
  const close = parseFrames(state.received).find((f) => f.opcode === 0x8);
  return close && close.payload.length >= 2 ? close.payload.readUInt16BE(0) : null;
};
