// What the daemon writes to its logs: that it listens, and never request bodies, credentials or
// PINs. Issue 3 adds PIN methods; assertNotLogged() is the check they will reuse.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { Fixture, PORTAL_ORIGIN, assertNotLogged, waitFor } from './lib/daemon.mjs';

const MARKER_PIN = '739164';
const MARKER_BODY = 'BODY-MARKER-5f1c2a';
const MARKER_AUTH = 'AUTH-MARKER-9d7e3b';
const MARKER_COOKIE = 'COOKIE-MARKER-2b8a41';

describe('logs', () => {
  let fx;
  let d;

  before(async () => {
    fx = Fixture.create();
    d = await fx.start();
  });
  after(() => fx?.cleanup());

  test('the log file exists and says where the daemon listens', async () => {
    await waitFor(() => fs.existsSync(d.logFile), { timeoutMs: 3000, what: d.logFile });
    const text = fs.readFileSync(d.logFile, 'utf8');
    assert.match(text, new RegExp(`listening on .*${d.port}`));
  });

  test('checklist 24: request bodies, credentials and PIN-like params never reach the logs', async (t) => {
    const headers = { Authorization: `Basic ${MARKER_AUTH}`, Cookie: `session=${MARKER_COOKIE}` };
    const [{ id: tokenId }] = (await d.call('token.list')).tokens;
    await d.rpc('cert.list', { token: tokenId, pin: MARKER_PIN, note: MARKER_BODY }, { headers });
    await d.rpc('no.such.method', { pin: MARKER_PIN, note: MARKER_BODY }, { headers });
    await d.rpc('cert.list', { token: 42, pin: MARKER_PIN, note: MARKER_BODY }, { headers });
    await d.rpcRaw(`{"jsonrpc":"2.0","id":1,"method":"x","params":{"pin":"${MARKER_PIN}","note":"${MARKER_BODY}"`,
      { headers });
    await d.rpc('system.info', { pin: MARKER_PIN }, { origin: 'https://evil.example', headers });
    const ws = await d.ws({ headers });
    t.after(() => ws.close());
    await ws.request('cert.list', { token: tokenId, pin: MARKER_PIN, note: MARKER_BODY });
    ws.send(`{"pin":"${MARKER_PIN}","note":"${MARKER_BODY}"`);
    await ws.next((m) => m && m.error, { what: 'parse error reply' });
    await ws.close();
    // The daemon logs asynchronously; give it a moment to flush before reading.
    await d.call('system.info', {}, { origin: PORTAL_ORIGIN });
    await new Promise((r) => setTimeout(r, 300));

    for (const secret of [MARKER_PIN, MARKER_BODY, MARKER_AUTH, MARKER_COOKIE]) assertNotLogged(d, secret);
    assert.doesNotMatch(d.logs(), /authorization:/i);
  });
});
