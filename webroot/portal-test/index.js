// Sample portal page: connects to the local signing service, lists keys and certificates and
// says in plain words what to do when the service cannot be used. Stable element ids
// (#status, #error-code, #tokens) are read by the browser tests.
import { SealBridge, SealBridgeError } from '../sdk/sealbridge.js';

const query = new URLSearchParams(location.search);
const sb = new SealBridge({
  port: query.get('port') ? Number(query.get('port')) : undefined,
  host: query.get('host') || undefined,
  transport: query.get('transport') || 'auto',
  timeoutMs: query.get('timeout') ? Number(query.get('timeout')) : 15000,
});
const $ = (id) => document.getElementById(id);

function setStatus(state, code = '', zh = '', en = '') {
  $('status').dataset.state = state;
  $('status').textContent = state;
  $('error-code').textContent = code;
  $('message').textContent = zh;
  $('message-en').textContent = en;
}

function logEvent(name, payload) {
  const item = document.createElement('li');
  item.dataset.event = name;
  item.textContent = `${name} ${payload?.token?.label ?? payload?.state ?? ''}`;
  $('events').append(item);
}

async function listTokens() {
  const { tokens } = await sb.tokens();
  const items = [];
  for (const token of tokens) {
    const item = document.createElement('li');
    item.dataset.tokenId = token.id;
    item.dataset.serial = token.serial;
    item.append(`${token.label} (${token.manufacturer} ${token.model}, ${token.serial})`);
    const certs = document.createElement('ul');
    certs.className = 'certs';
    try {
      const { certificates } = await sb.certificates(token.id);
      for (const cert of certificates) {
        const c = document.createElement('li');
        c.className = 'cert';
        c.dataset.certId = cert.id;
        c.dataset.daysLeft = String(cert.days_left);
        c.textContent = `${cert.subject} — ${cert.not_after} (${cert.key_type})`;
        certs.append(c);
      }
    } catch (e) {
      certs.dataset.error = e.code || 'ERROR';
    }
    item.append(certs);
    items.push(item);
  }
  $('tokens').replaceChildren(...items);
  $('tokens').dataset.count = String(tokens.length);
}

async function start() {
  setStatus('connecting');
  $('probe').textContent = '';
  try {
    const { transport } = await sb.connect();
    setStatus('connected');
    $('status').dataset.transport = transport;
    await listTokens();
  } catch (e) {
    const err = e instanceof SealBridgeError ? e : new SealBridgeError({ code: 'INTERNAL', detail: String(e) });
    // The probe is written first: tests take the 'error' state as "everything is shown".
    $('probe').textContent = JSON.stringify(await sb.probe(), null, 2);
    setStatus('error', err.code, err.messageZh, err.messageEn);
  }
}

sb.on('token.inserted', (p) => {
  logEvent('token.inserted', p);
  listTokens().catch(() => {});
});
sb.on('token.removed', (p) => {
  logEvent('token.removed', p);
  listTokens().catch(() => {});
});
sb.on('connection', (p) => logEvent('connection', p));
$('retry').addEventListener('click', start);
start();
// The bid-signing sample talks to the same service (port, transport) as this page.
document.getElementById('bid-sign-link').search = location.search;
