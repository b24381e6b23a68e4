// Demo of a provincial seal renewal page (电子印章延期). It runs on the portal's own origin and
// reaches the user's UKey through the local SealBridge service with the SDK:
//   seal.list / cert.list  -> what is on the key and when it expires
//   POST /api/renew        -> the portal's seal maker issues the renewed seal (after payment)
//   seal.write (with PIN)  -> the renewed seal replaces the old one on the key
// Everything from the key or the daemon is shown with textContent only.
import { SealBridge, SealBridgeError } from '../sdk/sealbridge.js';

const EXPIRING_DAYS = 30;
const query = new URLSearchParams(location.search);
const sb = new SealBridge({ port: query.get('port') ? Number(query.get('port')) : undefined });

const PICTURE_MIME = {
  PNG: 'image/png', GIF: 'image/gif', JPG: 'image/jpeg', JPEG: 'image/jpeg', BMP: 'image/bmp', SVG: 'image/svg+xml',
};
const SEAL_TYPE = { 1: '单位印章', 2: '个人印章' };

// What a clerk should read for each failure, and what to do about it.
const FAILURE_TEXT = {
  PIN_INCORRECT: '口令错误',
  PIN_LOCKED: 'UKey口令已锁定，请联系UKey发放机构解锁后再办理',
  PIN_FINAL_TRY: '口令只剩最后一次尝试机会，再输错UKey将被锁定。请点击“重试”，核对口令并勾选确认后再延期',
  PIN_LENGTH: '口令长度不对，请检查后重新输入',
  PIN_REQUIRED: '需要输入UKey口令',
  TOKEN_REMOVED: 'UKey已被拔出，请重新插入UKey后点击“重试”',
  TOKEN_NOT_FOUND: '未找到UKey，请重新插入UKey后点击“重试”',
  BUSY: 'UKey正在被其他程序使用，请稍后点击“重试”',
  CANCELLED: '操作已取消',
  SEAL_NOT_NEWER: 'UKey中已经是同样或更新的印章，无需再次延期',
  SEAL_NOT_BOUND: '新印章与UKey中的证书不匹配，请联系制章机构',
  SEAL_UNTRUSTED: '新印章的制章机构不受本机签章服务信任，请联系管理员',
  SEAL_INVALID: '新印章数据无效，请重新申请延期',
  SEAL_EXPIRED: '新印章不在有效期内，请重新申请延期',
};

const $ = (id) => document.getElementById(id);

function pad(n) {
  return String(n).padStart(2, '0');
}

function localDate(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso || '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function daysLeft(obj, field) {
  if (typeof obj.days_left === 'number') return obj.days_left;
  return Math.floor((new Date(obj[field]).getTime() - Date.now()) / 86400000);
}

function commonName(dn) {
  const match = /(?:^|,)\s*CN=((?:\\.|[^,])*)/.exec(dn || '');
  return match ? match[1].replace(/\\(.)/g, '$1') : dn || '';
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function failureText(e) {
  const code = e instanceof SealBridgeError ? e.code : 'INTERNAL';
  let text = FAILURE_TEXT[code] || e.messageZh || e.message || String(e);
  if (code === 'PIN_INCORRECT') {
    if (e.triesLeft === 1) text += '，只剩最后1次机会，再输错UKey将被锁定';
    else text += typeof e.triesLeft === 'number' ? `，还可以再试${e.triesLeft}次` : '，请核对后重新输入';
  }
  return text;
}

/** Per seal (token + esID): where the renewal stands. Survives re-reading the key. */
const renewals = new Map();
let current = { tokens: [] };
let loading = null;
let loadAgain = false;

function renewalOf(tokenId, esId) {
  const key = `${tokenId}/${esId}`;
  if (!renewals.has(key)) renewals.set(key, { phase: 'idle' });
  return renewals.get(key);
}

function setStatus(state, text) {
  $('status').dataset.state = state;
  $('status-text').textContent = text;
}

function showError(e) {
  $('error-text').textContent = e ? failureText(e) : '';
  $('error-code').textContent = e?.code || '';
  $('error').hidden = !e;
}

async function connect() {
  setStatus('connecting', '正在连接本机签章服务…');
  try {
    await sb.connect();
  } catch (e) {
    setStatus('error', '未连接本机签章服务');
    showError(e);
    setTimeout(connect, 3000);
  }
}

sb.on('connection', ({ state }) => {
  if (state === 'open') {
    showError(null);
    setStatus('open', '本机签章服务已连接');
    reload();
  } else if (state === 'reconnecting') {
    setStatus('connecting', '与本机签章服务的连接中断，正在重新连接…');
  }
});
sb.on('token.inserted', () => reload());
sb.on('token.removed', () => reload());
sb.on('seal.changed', () => reload());

/** Re-reads the keys; calls in quick succession coalesce. */
function reload() {
  if (loading) {
    loadAgain = true;
    return loading;
  }
  loading = (async () => {
    do {
      loadAgain = false;
      try {
        current = await readKeys();
        render();
      } catch (e) {
        if (!(e instanceof SealBridgeError && e.code === 'CONNECTION_LOST')) showError(e);
      }
    } while (loadAgain);
  })().finally(() => {
    loading = null;
  });
  return loading;
}

async function readKeys() {
  const { tokens } = await sb.tokens();
  const out = [];
  for (const token of tokens) {
    const entry = { token, certificates: [], seals: [], error: null };
    try {
      entry.certificates = (await sb.certificates(token.id)).certificates || [];
      entry.seals = ((await sb.call('seal.list', { token: token.id })).seals || []).filter((s) => s.format);
    } catch (e) {
      entry.error = e;
    }
    out.push(entry);
  }
  return { tokens: out };
}

function render() {
  const { tokens } = current;
  $('no-key').hidden = tokens.length > 0;
  document.body.dataset.keys = String(tokens.length);
  $('keys').replaceChildren(...tokens.map(renderKey));
}

function renderKey(entry) {
  const { token, certificates, seals } = entry;
  const box = $('key-template').content.firstElementChild.cloneNode(true);
  box.dataset.tokenId = token.id;
  box.querySelector('.key-label').textContent = token.label || 'UKey';
  box.querySelector('.key-serial').textContent = token.serial ? `UKey编号 ${token.serial}` : '';

  box.querySelector('.key-locked').hidden = !token.flags?.pin_locked;
  const certs = box.querySelector('.certs');
  const byId = (a, b) => String(a.id).localeCompare(String(b.id));
  for (const cert of certificates.filter((c) => c.has_private_key).sort(byId)) certs.append(renderCert(cert));

  const summary = box.querySelector('.seals-summary');
  if (entry.error) {
    summary.textContent = `读取UKey失败：${failureText(entry.error)}`;
    summary.classList.add('text-error');
  } else if (seals.length === 0) {
    summary.textContent = '当前key里没有印章';
  } else {
    summary.textContent = `当前key里有${seals.length}枚印章`;
  }
  summary.dataset.count = String(seals.length);
  const list = box.querySelector('.seals');
  // A fixed order (by esID): a renewed seal must not jump to another place in the list.
  const order = [...seals].sort((a, b) => String(a.es_id).localeCompare(String(b.es_id)));
  list.replaceChildren(...order.map((s) => renderSeal(token, certificates, s)));
  return box;
}

function renderCert(cert) {
  const left = daysLeft(cert, 'not_after');
  const row = el('p', 'cert');
  row.dataset.certId = cert.id;
  const name = `${cert.label || '证书'}（${commonName(cert.subject)}）`;
  row.append(el('span', 'cert-name', name), ` 有效期到 ${localDate(cert.not_after)}`);
  if (left < 0) row.append(' ', el('span', 'badge badge-error', '证书已过期'));
  else if (left <= EXPIRING_DAYS) row.append(' ', el('span', 'badge badge-warning', `证书即将过期（剩余${left}天）`));
  return row;
}

function sealPicture(picture) {
  const mime = PICTURE_MIME[String(picture?.type || '').toUpperCase()];
  if (!mime || !picture.data) return el('div', 'seal-pic-none', '印模无法显示');
  const img = el('img');
  img.alt = '印章图片';
  img.src = `data:${mime};base64,${picture.data}`;
  return img;
}

function renderSeal(token, certificates, seal) {
  const card = $('seal-template').content.firstElementChild.cloneNode(true);
  const state = renewalOf(token.id, seal.es_id);
  const left = daysLeft(seal, 'valid_end');
  card.dataset.esId = seal.es_id;
  card.dataset.phase = state.phase;
  card.querySelector('.seal-pic').append(sealPicture(seal.picture));
  card.querySelector('.seal-name').textContent = seal.name;
  const badge = card.querySelector('.seal-badge');
  if (left < 0) {
    badge.textContent = '印章已过期';
    badge.classList.add('badge-error');
  } else if (left <= EXPIRING_DAYS) {
    badge.textContent = '印章即将过期';
    badge.classList.add('badge-warning');
  } else {
    badge.textContent = '有效';
    badge.classList.add('badge-ok');
  }
  card.classList.toggle('seal-attention', left <= EXPIRING_DAYS);
  const until = localDate(seal.valid_end);
  card.querySelector('.seal-expiry').textContent =
    left < 0 ? `有效期到 ${until}（已过期${-left}天）` : `有效期到 ${until}（剩余${left}天）`;
  card.querySelector('.seal-facts').textContent =
    `${SEAL_TYPE[seal.type] || `类型${seal.type}`} · 印章编码 ${seal.es_id}`;

  const request = card.querySelector('.renew-request');
  // Seals that are not due yet may be renewed early, but the button should not draw the eye.
  request.classList.toggle('btn-primary', left <= EXPIRING_DAYS);
  const form = card.querySelector('.renew-pin');
  const pin = card.querySelector('.pin-input');
  const status = card.querySelector('.renew-status');
  const retry = card.querySelector('.renew-retry');
  const finalTry = card.querySelector('.final-try');
  const finalConfirm = card.querySelector('.final-confirm');
  if (token.flags?.pin_final_try) state.finalTry = true;
  const locked = Boolean(token.flags?.pin_locked);

  const show = () => {
    card.dataset.phase = state.phase;
    request.hidden = !['idle', 'requesting', 'request-failed'].includes(state.phase);
    request.disabled = state.phase === 'requesting' || locked;
    form.hidden = !['ready', 'writing'].includes(state.phase);
    form.querySelector('button').disabled = state.phase === 'writing' || locked;
    pin.disabled = state.phase === 'writing';
    finalTry.hidden = !state.finalTry;
    finalConfirm.disabled = state.phase === 'writing';
    retry.hidden = !['failed', 'request-failed'].includes(state.phase);
    status.className = `renew-status renew-${state.tone || 'info'}`;
    status.textContent = state.message || '';
  };

  request.addEventListener('click', async () => {
    Object.assign(state, { phase: 'requesting', tone: 'info', message: '正在向制章系统申请延期…' });
    show();
    try {
      const cert = boundCertificate(seal, certificates);
      if (!cert) throw new Error('UKey中没有与印章绑定的签名证书');
      const response = await fetch('/api/renew', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ es_id: seal.es_id, cert_der_base64: cert }),
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok || !body.seal) throw new Error(body.message || `制章系统返回错误（${response.status}）`);
      Object.assign(state, {
        phase: 'ready', tone: 'info', seal: body.seal,
        message: `已获取新印章（有效期到 ${localDate(body.valid_end)}），请点击延期印章`,
      });
    } catch (e) {
      Object.assign(state, { phase: 'request-failed', tone: 'error', message: `申请延期失败：${e.message}` });
    }
    show();
    if (state.phase === 'ready') pin.focus();
  });

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!pin.value) {
      Object.assign(state, { tone: 'error', message: '请输入UKey口令' });
      show();
      pin.focus();
      return;
    }
    if (state.finalTry && !finalConfirm.checked) {
      Object.assign(state, { tone: 'error', message: '口令只剩最后一次机会：请核对口令，勾选下方的确认后再点击延期印章' });
      show();
      return;
    }
    Object.assign(state, { phase: 'writing', tone: 'info', message: '正在把新印章写入UKey，请不要拔出UKey…' });
    show();
    const params = { token: token.id, seal: state.seal, pin: pin.value };
    if (state.finalTry) params.confirm_final_try = true;
    pin.value = '';
    finalConfirm.checked = false;
    try {
      const result = await sb.call('seal.write', params, { timeoutMs: 60000 });
      Object.assign(state, {
        phase: 'done', tone: 'ok', seal: null, finalTry: false,
        message: `延期成功，印章有效期已延至 ${localDate(result.seal.valid_end)}`,
      });
    } catch (e) {
      const code = e instanceof SealBridgeError ? e.code : 'INTERNAL';
      if (code === 'PIN_FINAL_TRY' || (code === 'PIN_INCORRECT' && e.triesLeft === 1)) state.finalTry = true;
      // These are refused before anything on the key is touched.
      const untouched = code.startsWith('PIN_') || code.startsWith('SEAL_') ? '（UKey中的原印章没有改动）' : '';
      Object.assign(state, { phase: 'failed', tone: 'error', message: `延期失败：${failureText(e)}${untouched}`, code });
    }
    show();
    if (state.phase === 'done') reload();
  });

  retry.addEventListener('click', () => {
    if (state.phase === 'request-failed') {
      Object.assign(state, { phase: 'idle', message: '' });
      show();
      request.click();
      return;
    }
    Object.assign(state, { phase: 'ready', tone: 'info', message: '请重新输入UKey口令，然后点击延期印章' });
    show();
    pin.focus();
  });

  show();
  return card;
}

/** The certificate (base64 DER) the seal is bound to, else the key's signing certificate. */
function boundCertificate(seal, certificates) {
  const inSeal = (seal.cert_list || []).find((c) => c.kind === 'certificate' && c.der);
  if (inSeal) return inSeal.der;
  const signing = certificates.find((c) => c.has_private_key && (c.usage || []).includes('digitalSignature'));
  return signing ? signing.der : null;
}

connect();
