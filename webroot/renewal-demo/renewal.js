// Demo of a provincial seal renewal page (电子印章延期). It runs on the portal's own origin and
// reaches the user's UKey through the local SealBridge service with the SDK:
//   seal.list / cert.list  -> what is on the key and when it expires
//   POST /api/renew        -> the portal's seal maker issues the renewed seal (after payment)
//   seal.write (with PIN)  -> the renewed seal replaces the old one on the key
// Everything from the key or the daemon is shown with textContent only.
//
// The key is the truth. A write can be cut short (the UKey pulled out, the page reloaded) after
// the daemon has already put the new seal on the key, or finishes it when the key comes back;
// so where a renewal stands is kept per seal (also across reloads, in localStorage) and checked
// against the seals read from the key every time the key is read again.
import { SealBridge, SealBridgeError } from '../sdk/sealbridge.js';

const EXPIRING_DAYS = 30;
const DAY_MS = 86400000;
// The demo seal maker renews for a year past the seal on the key (renewal-server.mjs).
const RENEWAL_MS = 365 * DAY_MS;
// A finished renewal is remembered this long, so a reload does not offer (and charge) it again.
const DONE_KEPT_MS = 30 * DAY_MS;
const STORAGE_KEY = 'sealbridge.renewal-demo.v1';
// A seal valid from this recently and not due is a renewal just done (here, in another browser or at
// the counter): offering it again would only charge the clerk twice.
const RECENT_MS = 7 * DAY_MS;
// Seals and certificates due within this many days are offered for renewal.
const RENEW_SOON_DAYS = 90;

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
  PIN_ATTEMPTS_EXCEEDED: '连续输错口令次数过多，为保护UKey不被锁定，请15分钟后再试',
  PIN_REQUIRED: '需要输入UKey口令',
  TOKEN_REMOVED: 'UKey已被拔出，请重新插入UKey',
  TOKEN_NOT_FOUND: '未找到UKey，请重新插入UKey',
  BUSY: 'UKey正在被其他程序使用，请稍后点击“重试”',
  CANCELLED: '操作已取消',
  SEAL_NOT_BOUND: '新印章与UKey中的证书不匹配，请联系制章机构',
  SEAL_UNTRUSTED: '新印章的制章机构不受本机签章服务信任，请联系管理员',
  SEAL_INVALID: '新印章数据无效，请重新申请延期',
  SEAL_EXPIRED: '新印章不在有效期内，请重新申请延期',
  CONNECTION_LOST: '与本机签章服务的连接中断',
  TIMEOUT: '本机签章服务没有及时响应',
  DAEMON_UNREACHABLE: '无法连接本机签章服务，请确认签章服务已启动',
};

// After these the outcome of a write is not known: only reading the key again tells.
const OUTCOME_UNKNOWN = new Set(['TOKEN_REMOVED', 'TOKEN_NOT_FOUND', 'CONNECTION_LOST', 'TIMEOUT', 'DAEMON_UNREACHABLE']);

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
  return Math.floor((new Date(obj[field]).getTime() - Date.now()) / DAY_MS);
}

function dnField(dn, name) {
  const match = new RegExp(`(?:^|,)\\s*${name}=((?:\\\\.|[^,])*)`).exec(dn || '');
  return match ? match[1].replace(/\\(.)/g, '$1') : '';
}

/** "张三（示例科技有限公司）": who a certificate is for, as a clerk names it. */
function readableSubject(dn) {
  const cn = dnField(dn, 'CN');
  const o = dnField(dn, 'O');
  if (cn && o && cn !== o) return `${cn}（${o}）`;
  return cn || o || '证书';
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function codeOf(e) {
  return e instanceof SealBridgeError ? e.code : e?.code || 'INTERNAL';
}

// PKCS#11 keys tell no count, only "one try left" and "locked" (e.triesLeft 1 or 0); the rest of
// the time the clerk is told that the key counts.
function triesText(e) {
  if (typeof e.triesLeft !== 'number') return '，请核对后重新输入。UKey会记录输错次数，连续输错多次UKey将被锁定';
  if (e.triesLeft === 1) return '，只剩最后1次机会，再输错UKey将被锁定';
  return `，还可以再试${e.triesLeft}次`;
}

function failureText(e) {
  const code = codeOf(e);
  let text = FAILURE_TEXT[code] || e.messageZh || e.message || String(e);
  if (code === 'PIN_INCORRECT') text += triesText(e);
  return text;
}

// ---- where each seal's renewal stands ----------------------------------------------------

/** Per seal (token + esID): {phase, seal, newValidEnd, oldValidEnd, name, tone, message, ...}. */
const renewals = new Map();
// Phases worth keeping across a reload: a seal paid for and not yet (known to be) on the key,
// or one just renewed.
const KEPT = new Set(['ready', 'writing', 'unknown', 'failed', 'done', 'settled']);

function loadRenewals() {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) || '{}');
    for (const [key, s] of Object.entries(saved)) {
      if (!s || !KEPT.has(s.phase)) continue;
      if (['done', 'settled'].includes(s.phase) && Date.now() - (s.savedAt || 0) > DONE_KEPT_MS) continue;
      // A write the page did not see end (reloaded, closed) may or may not have happened.
      if (s.phase === 'writing') Object.assign(s, { phase: 'unknown', code: 'PAGE_RELOADED' });
      // What to do next is worded again from the key's seal once it is read.
      if (['ready', 'unknown'].includes(s.phase)) s.message = null;
      s.restored = true;
      renewals.set(key, s);
    }
  } catch {
    // A damaged entry only costs the remembered progress; the key is read again anyway.
  }
}

function saveRenewals() {
  const out = {};
  for (const [key, s] of renewals) {
    if (!KEPT.has(s.phase)) continue;
    const { phase, seal, newValidEnd, oldValidEnd, name, code, savedAt, finalTry, tone, message } = s;
    out[key] = {
      phase, seal, newValidEnd, oldValidEnd, name, code, finalTry, tone, message, savedAt: savedAt || Date.now(),
    };
  }
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(out));
  } catch {
    // Private mode or a full store: progress is then kept for this page only.
  }
}

function renewalOf(tokenId, esId) {
  const key = `${tokenId}/${esId}`;
  if (!renewals.has(key)) renewals.set(key, { phase: 'idle' });
  return renewals.get(key);
}

function update(state, changes) {
  Object.assign(state, changes);
  if ('phase' in changes) state.savedAt = Date.now();
  saveRenewals();
  render();
}

/**
 * Sets the renewal's phase from the seal that is on the key now. The write may have been
 * finished by the daemon after the page lost track of it, or never have reached the key.
 */
function settleWithKey(state, seal) {
  const until = localDate(seal.valid_end);
  if (state.phase === 'settled') {
    state.message = `UKey中的印章有效期到 ${until}，已经是最新的，无需再次延期`;
    return;
  }
  if (!state.newValidEnd || ['requesting', 'writing'].includes(state.phase)) return;
  const onKey = new Date(seal.valid_end).getTime();
  const renewed = onKey >= new Date(state.newValidEnd).getTime();
  if (renewed) {
    if (state.phase === 'done') {
      if (!state.message) Object.assign(state, { tone: 'ok', message: `延期已完成，印章有效期已延至 ${until}` });
      return;
    }
    const was = state.phase;
    Object.assign(state, {
      phase: 'done', tone: 'ok', seal: null, finalTry: false, savedAt: Date.now(), restored: false,
      message: was === 'unknown' || state.code === 'TOKEN_REMOVED'
        ? `延期已完成：重新读取UKey，新印章已写入，有效期已延至 ${until}`
        : `延期已完成，印章有效期已延至 ${until}`,
    });
    state.focus = state.focus || (was === 'unknown' || was === 'failed' ? 'status' : null);
    return;
  }
  if (state.phase === 'done' || state.phase === 'unknown' || (state.phase === 'failed' && OUTCOME_UNKNOWN.has(state.code))) {
    if (!state.seal) {
      Object.assign(state, { phase: 'idle', tone: 'info', message: '', newValidEnd: null });
      return;
    }
    Object.assign(state, {
      phase: 'ready', tone: 'error', code: null, savedAt: Date.now(),
      message: `延期没有完成：UKey中仍是原印章（有效期到 ${until}）。已获取的新印章（有效期到 ` +
        `${localDate(state.newValidEnd)}）还在，不需要重新申请或付费：请输入UKey口令，点击“延期印章”`,
    });
    state.focus = 'pin';
  } else if (state.phase === 'ready' && !state.message) {
    Object.assign(state, {
      tone: 'info',
      message: `已获取新印章（有效期到 ${localDate(state.newValidEnd)}），尚未写入UKey：请输入UKey口令，点击“延期印章”`,
    });
  }
}

// ---- reading the key ---------------------------------------------------------------------

let current = { tokens: [] };
let connected = false;
let loading = null;
let loadAgain = false;

function setStatus(state, text) {
  $('status').dataset.state = state;
  $('status-text').textContent = text;
}

function showError(e) {
  $('error-text').textContent = e ? failureText(e) : '';
  $('error-code').textContent = e ? [codeOf(e), e.detail || e.message].filter(Boolean).join(' · ') : '';
  const wasHidden = $('error').hidden;
  $('error').hidden = !e;
  if (e && wasHidden) $('error').focus();
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
    connected = true;
    showError(null);
    setStatus('open', '本机签章服务已连接');
    reload();
  } else if (state === 'reconnecting') {
    connected = false;
    setStatus('connecting', '与本机签章服务的连接中断，正在重新连接…');
  }
});
// The service finishes a write an unplug interrupted once the key is back, without an event of
// its own: a second look a moment later shows the seals as they end up.
sb.on('token.inserted', () => {
  reload();
  setTimeout(reload, 1500);
});
sb.on('token.removed', () => reload());
sb.on('seal.changed', () => reload());
sb.on('cert.changed', () => reload());

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
        retryUnreadKeys(current.tokens);
        for (const { token, seals } of current.tokens) {
          for (const seal of seals) settleWithKey(renewalOf(token.id, seal.es_id), seal);
        }
        saveRenewals();
        render();
      } catch (e) {
        if (codeOf(e) !== 'CONNECTION_LOST') showError(e);
      }
    } while (loadAgain);
  })().finally(() => {
    loading = null;
  });
  return loading;
}

// A key just plugged in can answer "removed" for a moment while the service reopens it; reading
// it again shortly after beats leaving "读取UKey失败" on screen until the next event.
const TRANSIENT_READ = new Set(['TOKEN_REMOVED', 'TOKEN_NOT_FOUND', 'BUSY']);
let unreadRetries = 0;
let unreadTimer = null;

function retryUnreadKeys(tokens) {
  const transient = tokens.some((t) => t.error && TRANSIENT_READ.has(codeOf(t.error)));
  if (!transient) {
    unreadRetries = 0;
    return;
  }
  if (unreadTimer || unreadRetries >= 20) return;
  unreadRetries += 1;
  unreadTimer = setTimeout(() => {
    unreadTimer = null;
    reload();
  }, 500);
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
  document.body.dataset.loaded = String(Date.now());
  return { tokens: out };
}

// ---- drawing -------------------------------------------------------------------------------

function render() {
  const { tokens } = current;
  const kept = keepInputs();
  $('no-key').hidden = tokens.length > 0;
  document.body.dataset.keys = String(tokens.length);
  $('keys').replaceChildren(...tokens.map(renderKey));
  renderPending(tokens);
  renderSteps(tokens);
  restoreInputs(kept);
  applyFocus();
}

// The controls that name themselves by class, so focus can find them again in the new cards.
const REFOCUSABLE = new Set(['pin-input', 'renew-write', 'renew-retry', 'renew-request', 'renew-status', 'final-confirm',
  'cert-pin', 'cert-renew', 'cert-renewal-status']);

/** Typed PINs and the focused control survive a re-read of the key (events come any time). */
function keepInputs() {
  const pins = new Map();
  for (const card of document.querySelectorAll('article.seal')) {
    const input = card.querySelector('.pin-input');
    const confirm = card.querySelector('.final-confirm');
    if (input.value || confirm.checked) pins.set(card.dataset.key, { pin: input.value, confirmed: confirm.checked });
  }
  const active = document.activeElement;
  const holder = active?.closest?.('[data-key]');
  const className = holder ? [...active.classList].find((c) => REFOCUSABLE.has(c)) : null;
  const focus = className ? { key: holder.dataset.key, className } : null;
  return { pins, focus };
}

function restoreInputs({ pins, focus }) {
  for (const card of document.querySelectorAll('article.seal')) {
    const kept = pins.get(card.dataset.key);
    const input = card.querySelector('.pin-input');
    if (kept && !input.disabled && !input.closest('form').hidden) {
      input.value = kept.pin;
      card.querySelector('.final-confirm').checked = kept.confirmed;
    }
  }
  if (focus?.className) {
    const again = document.querySelector(`[data-key="${CSS.escape(focus.key)}"] .${CSS.escape(focus.className)}`);
    if (again && !again.disabled && again.offsetParent !== null) again.focus({ preventScroll: true });
  }
}

const FOCUS_TARGET = { pin: '.pin-input', retry: '.renew-retry', status: '.renew-status', request: '.renew-request' };

/** Moves focus where the clerk acts next after a step (an error message or the next control). */
function applyFocus() {
  for (const card of document.querySelectorAll('article.seal')) {
    const state = renewals.get(card.dataset.key);
    if (!state?.focus) continue;
    const wanted = card.querySelector(FOCUS_TARGET[state.focus]);
    state.focus = null;
    const target = wanted && !wanted.disabled && wanted.offsetParent !== null ? wanted : card.querySelector('.renew-status');
    target.focus();
    target.scrollIntoView({ block: 'nearest' });
  }
}

function renderSteps(tokens) {
  const states = tokens.flatMap(({ token, seals }) => seals.map((s) => renewals.get(`${token.id}/${s.es_id}`)))
    .filter(Boolean);
  let step = 2;
  if (tokens.length === 0) step = 1;
  else if (states.some((s) => ['ready', 'writing', 'failed', 'unknown'].includes(s.phase))) step = 3;
  else if (states.some((s) => s.phase === 'done' && !s.restored)) step = 4;
  for (const li of $('steps').children) {
    const n = Number(li.dataset.step);
    li.classList.toggle('step-current', n === step);
    li.classList.toggle('step-done', n < step || (step === 4 && n === 4));
    if (n === step) li.setAttribute('aria-current', 'step');
    else li.removeAttribute('aria-current');
  }
  $('steps').dataset.current = String(step);
}

/** While the key is out, what was under way is still said, with what to do next. */
function renderPending(tokens) {
  const shown = new Set(tokens.flatMap(({ token, seals }) => seals.map((s) => `${token.id}/${s.es_id}`)));
  const items = [];
  for (const [key, s] of renewals) {
    if (shown.has(key) || !['ready', 'writing', 'unknown', 'failed'].includes(s.phase) || !s.newValidEnd) continue;
    const name = s.name || '印章';
    const item = el('li');
    item.dataset.key = key;
    if (s.phase === 'ready' && !OUTCOME_UNKNOWN.has(s.code)) {
      item.textContent = `“${name}”：新印章（有效期到 ${localDate(s.newValidEnd)}）已获取，尚未写入UKey。` +
        '请插入同一个UKey，再输入口令写入；不需要重新申请或付费。';
    } else {
      item.textContent = `“${name}”：写入新印章时UKey被拔出或连接中断，还不能确定新印章是否已写入。` +
        '请重新插入同一个UKey，本页会自动读取UKey并告诉您结果；请不要重新申请延期。';
    }
    items.push(item);
  }
  $('pending-list').replaceChildren(...items);
  const wasHidden = $('pending').hidden;
  $('pending').hidden = items.length === 0;
  if (wasHidden && items.length && tokens.length === 0) $('pending').focus();
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
  // has_private_key is null when only a login could tell (most real keys): only a known absence
  // hides a certificate.
  const shown = certificates.filter((c) => c.has_private_key !== false).sort(byId);
  for (const cert of shown) certs.append(renderCert(cert, shown));

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
  renderCertRenewal(box, token, certificates, seals);
  return box;
}

/** What the certificate is for, in words (labels are whatever the issuer or a tool wrote). */
function certKind(cert) {
  const usage = cert.usage || [];
  if (usage.includes('digitalSignature') || usage.includes('nonRepudiation')) return '签名证书';
  if (usage.includes('keyEncipherment') || usage.includes('dataEncipherment')) return '加密证书';
  return cert.label || '证书';
}

function renderCert(cert, all) {
  const left = daysLeft(cert, 'not_after');
  const row = el('p', 'cert');
  row.dataset.certId = cert.id;
  const name = `${certKind(cert)}：${readableSubject(cert.subject)}`;
  row.append(el('span', 'cert-name', name), ` 有效期到 ${localDate(cert.not_after)}`);
  const successor = all.find((c) => c !== cert && c.subject === cert.subject && c.key_type === cert.key_type &&
    certKind(c) === certKind(cert) && new Date(c.not_after) > new Date(cert.not_after));
  if (successor) row.append(' ', el('span', 'badge badge-ok', `已延期，新证书有效期到 ${localDate(successor.not_after)}`));
  else if (left < 0) row.append(' ', el('span', 'badge badge-error', '证书已过期'));
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

const isSigning = (c) => c.has_private_key !== false && (c.usage || []).includes('digitalSignature');

/**
 * The certificate a renewed seal binds to ({der, cert}): the one the seal is bound to now, or
 * the renewal of it on the key (same holder and algorithm, valid longest) once the certificate
 * was renewed; else the key's signing certificate.
 */
function boundCertificate(seal, certificates) {
  const outlives = (seal.warnings || []).find((w) => w.code === 'SEAL_OUTLIVES_CERT' && w.certificate);
  const inSeal = (seal.cert_list || []).find((c) => c.kind === 'certificate' && c.der);
  const onKey = (outlives && certificates.find((c) => c.id === outlives.certificate)) ||
    (inSeal && certificates.find((c) => c.der === inSeal.der));
  if (onKey) {
    const newest = certificates
      .filter((c) => isSigning(c) && c.subject === onKey.subject && c.key_type === onKey.key_type)
      .reduce((a, b) => (new Date(b.not_after) > new Date(a.not_after) ? b : a), onKey);
    return { der: newest.der, cert: newest };
  }
  if (inSeal) return { der: inSeal.der, cert: null };
  const signing = certificates.find(isSigning);
  return signing ? { der: signing.der, cert: signing } : null;
}

/**
 * Why the seal cannot be renewed before its certificate is (电子印章延期前需要先延期数字证书):
 * the renewed seal would stay valid after the certificate it signs with has expired.
 */
function certificateFirst(seal, bound) {
  if (!bound?.cert) return null;
  const certEnd = new Date(bound.cert.not_after).getTime();
  const newEnd = Math.max(Date.now(), new Date(seal.valid_end).getTime()) + RENEWAL_MS;
  // The seal on the key may outlive it already (SEAL_OUTLIVES_CERT); a renewal outlives it more.
  if (certEnd >= newEnd - DAY_MS) return null;
  const who = readableSubject(bound.cert.subject);
  const left = daysLeft(bound.cert, 'not_after');
  const when = left < 0 ? `已于 ${localDate(bound.cert.not_after)} 过期` : `${localDate(bound.cert.not_after)} 到期（剩余${left}天）`;
  const next = certRenewalOffered(bound.cert, [seal])
    ? '请先在上方办理数字证书延期，新证书写入UKey后再延期印章。'
    : '印章还没到期；到期前请先办理数字证书延期，再延期印章。';
  return `这枚印章使用的签名证书“${who}”${when}，早于延期后印章的有效期（约到 ${localDate(newEnd)}）。` +
    `证书过期后印章无法再盖章。${next}`;
}

/**
 * The certificate renewal is put before the clerk when it is due itself or holds back a seal
 * that is due (a seal with years left does not call for it today).
 */
function certRenewalOffered(cert, sealsHeldBack) {
  if (daysLeft(cert, 'not_after') <= RENEW_SOON_DAYS) return true;
  return sealsHeldBack.some((s) => daysLeft(s, 'valid_end') <= RENEW_SOON_DAYS);
}

function renderSeal(token, certificates, seal) {
  const card = $('seal-template').content.firstElementChild.cloneNode(true);
  const key = `${token.id}/${seal.es_id}`;
  const state = renewalOf(token.id, seal.es_id);
  const left = daysLeft(seal, 'valid_end');
  card.dataset.key = key;
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

  const bound = boundCertificate(seal, certificates);
  // Renewed seals start when they are issued (or where the old one ends).
  const started = new Date(seal.valid_start).getTime();
  const justRenewed = state.phase === 'idle' && left > EXPIRING_DAYS && Date.now() - started < RECENT_MS;
  if (justRenewed) {
    Object.assign(state, {
      tone: 'ok',
      message: `这枚印章刚办理过延期（新印章 ${localDate(seal.valid_start)} 起有效，到 ${until}），无需再次办理`,
    });
  }
  const certFirst = ['idle', 'request-failed', 'blocked'].includes(state.phase) ? certificateFirst(seal, bound) : null;
  card.querySelector('.cert-first').hidden = !certFirst;
  card.querySelector('.cert-first-text').textContent = certFirst || '';

  const request = card.querySelector('.renew-request');
  // Seals that are not due yet may be renewed early, but the button should not draw the eye.
  request.classList.toggle('btn-primary', left <= EXPIRING_DAYS);
  const form = card.querySelector('.renew-pin');
  const pin = card.querySelector('.pin-input');
  const tries = card.querySelector('.pin-tries');
  const status = card.querySelector('.renew-status');
  const retry = card.querySelector('.renew-retry');
  const finalTry = card.querySelector('.final-try');
  const finalConfirm = card.querySelector('.final-confirm');
  if (token.flags?.pin_final_try) state.finalTry = true;
  const locked = Boolean(token.flags?.pin_locked);
  status.id = `status-${CSS.escape(key).replace(/[^A-Za-z0-9_-]/g, '_')}`;
  retry.setAttribute('aria-describedby', status.id);
  request.setAttribute('aria-describedby', status.id);

  const phase = state.phase;
  request.hidden = !['idle', 'requesting', 'request-failed'].includes(phase) || Boolean(certFirst) || justRenewed;
  request.disabled = phase === 'requesting' || locked || !bound;
  form.hidden = !['ready', 'writing'].includes(phase);
  form.querySelector('button').disabled = phase === 'writing' || locked;
  pin.disabled = phase === 'writing';
  finalTry.hidden = !state.finalTry;
  finalConfirm.disabled = phase === 'writing';
  // The key's flags come from its last scan; a wrong PIN typed here is known at once.
  if ((token.flags?.pin_count_low || state.pinWrong) && !state.finalTry && !locked) {
    tries.hidden = false;
    tries.textContent = 'UKey已记录口令输错，剩余尝试次数减少了，请仔细核对';
  }
  retry.hidden = !(phase === 'request-failed' || (phase === 'failed' && state.retry !== false));
  status.className = `renew-status renew-${state.tone || 'info'}`;
  status.textContent = state.message || '';
  if (locked && phase !== 'done') {
    status.className = 'renew-status renew-error';
    status.textContent = 'UKey口令已锁定，无法延期印章。请联系UKey发放机构解锁后再办理。';
  }

  request.addEventListener('click', () => requestRenewal(state, seal, bound));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    writeRenewal(state, token, pin.value, finalConfirm.checked);
  });
  retry.addEventListener('click', () => {
    if (state.phase === 'request-failed') {
      requestRenewal(state, seal, bound);
      return;
    }
    update(state, { phase: 'ready', tone: 'info', message: '请重新输入UKey口令，然后点击“延期印章”', focus: 'pin' });
  });
  return card;
}

// ---- 数字证书延期: the certificate first ------------------------------------------------------

/** Per key: {phase: 'idle'|'working'|'failed'|'done', message, tone, certPem, focus}. */
const certRenewals = new Map();

function certRenewalOf(tokenId) {
  if (!certRenewals.has(tokenId)) certRenewals.set(tokenId, { phase: 'idle' });
  return certRenewals.get(tokenId);
}

/** The certificate that holds the key's seals back, if any, with a form to renew it here. */
function renderCertRenewal(box, token, certificates, seals) {
  const state = certRenewalOf(token.id);
  const form = box.querySelector('.cert-renewal');
  form.dataset.key = `cert/${token.id}`;
  const blocking = seals.map((s) => ({ seal: s, bound: boundCertificate(s, certificates) }))
    .filter(({ seal, bound }) => certificateFirst(seal, bound));
  const offered = blocking[0] && certRenewalOffered(blocking[0].bound.cert, blocking.map((b) => b.seal));
  const cert = offered ? blocking[0].bound.cert : null;
  form.hidden = !cert && state.phase !== 'done';
  if (form.hidden) return;
  const text = form.querySelector('.cert-renewal-text');
  const row = form.querySelector('.cert-renewal-row');
  const status = form.querySelector('.cert-renewal-status');
  const pin = form.querySelector('.cert-pin');
  const go = form.querySelector('.cert-renew');
  if (cert) {
    const names = blocking.map(({ seal }) => `“${seal.name}”`).join('、');
    text.textContent = `印章${names}使用的签名证书“${readableSubject(cert.subject)}”${localDate(cert.not_after)} 到期，` +
      '需要先延期。输入UKey口令后点击“延期数字证书”：UKey中会生成新的密钥，新证书由CA签发后写入UKey，原证书保留。';
  } else {
    text.textContent = '';
  }
  row.hidden = !cert || state.phase === 'done';
  go.disabled = state.phase === 'working' || Boolean(token.flags?.pin_locked);
  pin.disabled = state.phase === 'working';
  status.className = `cert-renewal-status renew-${state.tone || 'info'}`;
  status.textContent = state.message || '';
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    renewCertificate(state, token, cert, pin.value);
  });
  if (state.focus) {
    const target = state.focus === 'pin' && !pin.disabled ? pin : status;
    state.focus = null;
    queueMicrotask(() => target.focus());
  }
}

function updateCert(state, changes) {
  Object.assign(state, changes);
  render();
}

async function renewCertificate(state, token, cert, pinValue) {
  if (!pinValue) {
    updateCert(state, { tone: 'error', message: '请输入UKey口令', focus: 'pin' });
    return;
  }
  const pinParams = { token: token.id, pin: pinValue };
  if (token.flags?.pin_final_try) {
    updateCert(state, { tone: 'error', message: 'UKey口令只剩最后一次机会，请联系UKey发放机构办理', focus: 'status' });
    return;
  }
  try {
    if (!state.certPem) {
      updateCert(state, { phase: 'working', tone: 'info', message: '正在UKey中生成新密钥并制作证书请求，请不要拔出UKey…' });
      const { csr } = await sb.call('cert.csr', { ...pinParams, key_type: cert.key_type, subject: cert.subject }, { timeoutMs: 120000 });
      updateCert(state, { message: '正在向CA申请新证书…' });
      const response = await fetch('/api/renew-cert', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ csr }),
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok || !body.cert) throw new Error(body.message || `CA返回错误（${response.status}）`);
      state.certPem = body.cert;
    }
    updateCert(state, { phase: 'working', tone: 'info', message: '正在把新证书写入UKey，请不要拔出UKey…' });
    const { certificate } = await sb.call('cert.write', { ...pinParams, cert: state.certPem }, { timeoutMs: 60000 });
    updateCert(state, {
      phase: 'done', tone: 'ok', certPem: null, focus: 'status',
      message: `数字证书已延期，新证书有效期到 ${localDate(certificate.not_after)}。现在可以在下方延期印章了。`,
    });
  } catch (e) {
    const code = codeOf(e);
    updateCert(state, {
      phase: 'failed', tone: 'error', focus: code === 'PIN_INCORRECT' ? 'pin' : 'status',
      message: `证书延期没有完成：${e instanceof SealBridgeError ? failureText(e) : e.message}` +
        (state.certPem ? '。新证书已签发，再次点击“延期数字证书”会把它写入UKey' : ''),
    });
  }
  reload();
}

// ---- the two steps -----------------------------------------------------------------------

async function requestRenewal(state, seal, bound) {
  update(state, { phase: 'requesting', tone: 'info', message: '正在向制章系统申请延期…', name: seal.name });
  try {
    if (!bound) throw new Error('UKey中没有与印章绑定的签名证书');
    const response = await fetch('/api/renew', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ es_id: seal.es_id, cert_der_base64: bound.der, current_valid_end: seal.valid_end }),
    });
    const body = await response.json().catch(() => ({}));
    if (body.error === 'CERT_RENEWAL_FIRST') {
      update(state, {
        phase: 'blocked', tone: 'error', focus: 'status',
        message: `制章系统没有受理：电子印章延期前需要先延期数字证书（证书 ${localDate(body.cert_not_after)} 到期，` +
          `早于新印章的有效期 ${localDate(body.valid_end)}）。请先办理数字证书延期。`,
      });
      return;
    }
    if (body.error === 'ALREADY_RENEWED') {
      update(state, {
        phase: 'settled', tone: 'ok', focus: 'status',
        message: `这枚印章已经延期，有效期到 ${localDate(body.valid_end)}，无需再次办理`,
      });
      return;
    }
    if (!response.ok || !body.seal) throw new Error(body.message || `制章系统返回错误（${response.status}）`);
    update(state, {
      phase: 'ready', tone: 'info', seal: body.seal, newValidEnd: body.valid_end, oldValidEnd: seal.valid_end,
      code: null, restored: false, focus: 'pin',
      message: `${body.reused ? '已取回之前获取但尚未写入的新印章' : '已获取新印章'}（有效期到 ${localDate(body.valid_end)}）。` +
        '请输入UKey口令，点击“延期印章”',
    });
  } catch (e) {
    update(state, { phase: 'request-failed', tone: 'error', message: `申请延期失败：${e.message}`, focus: 'retry' });
  }
}

async function writeRenewal(state, token, pinValue, confirmed) {
  if (!pinValue) {
    update(state, { tone: 'error', message: '请输入UKey口令', focus: 'pin' });
    return;
  }
  if (state.finalTry && !confirmed) {
    update(state, { tone: 'error', message: '口令只剩最后一次机会：请核对口令，勾选下方的确认后再点击延期印章', focus: 'pin' });
    return;
  }
  const params = { token: token.id, seal: state.seal, pin: pinValue };
  if (state.finalTry) params.confirm_final_try = true;
  update(state, { phase: 'writing', tone: 'info', message: '正在把新印章写入UKey，请不要拔出UKey…', restored: false });
  try {
    const result = await sb.call('seal.write', params, { timeoutMs: 60000 });
    update(state, {
      phase: 'done', tone: 'ok', seal: null, finalTry: false, pinWrong: false, focus: 'status', code: null,
      message: `延期成功，印章有效期已延至 ${localDate(result.seal.valid_end)}`,
    });
    reload();
  } catch (e) {
    const code = codeOf(e);
    if (code === 'SEAL_NOT_NEWER') {
      // The key already holds this renewal or a later one: nothing is left to do but to show it.
      update(state, {
        phase: 'settled', tone: 'ok', seal: null, focus: 'status', code,
        message: 'UKey中已经是同样或更新的印章，无需再次延期',
      });
      reload();
      return;
    }
    if (OUTCOME_UNKNOWN.has(code)) {
      update(state, {
        phase: 'unknown', tone: 'error', code, focus: 'status',
        message: `${failureText(e)}。新印章可能已经写入，也可能没有：请重新插入同一个UKey，本页会自动读取UKey并告诉您结果，请不要重新申请延期`,
      });
      if (connected) reload();
      return;
    }
    if (code === 'PIN_FINAL_TRY' || (code === 'PIN_INCORRECT' && e.triesLeft === 1)) state.finalTry = true;
    // These are refused before anything on the key is touched.
    const untouched = code.startsWith('PIN_') || code.startsWith('SEAL_') ? '（UKey中的原印章没有改动）' : '';
    update(state, {
      phase: 'failed', tone: 'error', code, retry: code !== 'PIN_LOCKED', pinWrong: state.pinWrong || code === 'PIN_INCORRECT',
      message: `延期失败：${failureText(e)}${untouched}`, focus: code === 'PIN_LOCKED' ? 'status' : 'retry',
    });
    // The key's PIN flags (tries left, locked) changed; show them.
    reload();
  }
}

loadRenewals();
connect();
