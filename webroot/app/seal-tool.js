// The seal tool page served by the daemon at http://127.0.0.1:PORT/. Everything shown comes
// from the daemon and part of it (certificate subjects, labels) is chosen by whoever issued
// the key, so it is only ever written with textContent, never parsed as HTML.
import { SealBridge, SealBridgeError } from '../sdk/sealbridge.js';
import { renderSealList } from './seals.js';

const EXPIRING_DAYS = 30;

const USAGE_ZH = {
  digitalSignature: '数字签名',
  nonRepudiation: '不可否认',
  contentCommitment: '不可否认',
  keyEncipherment: '密钥加密',
  dataEncipherment: '数据加密',
  keyAgreement: '密钥协商',
  keyCertSign: '签发证书',
  cRLSign: '签发CRL',
  encipherOnly: '仅加密',
  decipherOnly: '仅解密',
};

const LEVEL_TEXT = {
  info: ['正常', 'OK'],
  warning: ['注意', 'Warning'],
  error: ['错误', 'Error'],
};

const $ = (id) => document.getElementById(id);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** "中文 English" where the English part is styled smaller. */
function bilingual(node, zh, en) {
  node.replaceChildren(document.createTextNode(zh));
  if (en) {
    node.append(' ');
    node.append(el('span', 'en', en));
  }
  return node;
}

function pad(n) {
  return String(n).padStart(2, '0');
}

function localDate(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso || '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function commonName(dn) {
  const match = /(?:^|,)\s*CN=((?:\\.|[^,])*)/.exec(dn || '');
  return match ? match[1].replace(/\\(.)/g, '$1') : dn || '';
}

function daysLeft(cert) {
  if (typeof cert.days_left === 'number') return cert.days_left;
  const ms = new Date(cert.not_after).getTime() - Date.now();
  return Math.floor(ms / 86400000);
}

function pinStatus(flags = {}) {
  const words = [];
  let level = 'ok';
  if (flags.pin_locked) {
    words.push(['口令已锁定，请联系发证机构解锁', 'PIN locked']);
    level = 'error';
  } else if (flags.pin_final_try) {
    words.push(['仅剩最后一次口令尝试机会', 'one PIN try left']);
    level = 'error';
  } else if (flags.pin_count_low) {
    words.push(['口令曾输错，剩余尝试次数减少', 'a wrong PIN was entered']);
    level = 'warning';
  }
  if (flags.protected_auth_path) words.push(['在UKey设备上输入口令', 'PIN entered on the device']);
  if (flags.login_required) words.push(['使用前需输入口令', 'PIN required']);
  if (level === 'ok') words.unshift(['口令状态正常', 'PIN OK']);
  return { words, level };
}

class SealTool {
  constructor() {
    this.sb = new SealBridge();
    this.modules = new Map();
    // Names for the ids that diagnosis findings refer to.
    this.tokenNames = new Map();
    this.certNames = new Map();
    this.refreshing = null;
    this.refreshAgain = false;
  }

  start() {
    $('refresh').addEventListener('click', () => this.refresh());
    $('diagnose').addEventListener('click', () => this.loadDiagnosis());
    this.sb.on('connection', (ev) => this.onConnection(ev));
    this.sb.on('token.inserted', () => this.refresh());
    this.sb.on('token.removed', () => this.refresh());
    this.sb.on('seal.changed', () => this.refresh());
    this.connect();
  }

  async connect() {
    this.setConnection('connecting');
    try {
      await this.sb.connect();
    } catch (e) {
      this.showError(e);
      this.setConnection('error');
      // The daemon serves this page, so it was running a moment ago: keep trying.
      setTimeout(() => this.connect(), 3000);
    }
  }

  onConnection({ state, error }) {
    if (state === 'open') {
      this.hideError();
      this.setConnection('open');
      this.refresh();
    } else if (state === 'reconnecting') {
      this.setConnection('reconnecting');
      if (error && error.code !== 'CONNECTION_LOST') this.showError(error);
    }
  }

  setConnection(state) {
    const box = $('connection');
    box.className = `conn conn-${state}`;
    box.dataset.state = state;
    const text = {
      connecting: ['正在连接签章服务…', 'Connecting…'],
      open: ['签章服务已连接', 'Connected'],
      reconnecting: ['连接已断开，正在重新连接…', 'Connection lost, reconnecting…'],
      error: ['无法连接签章服务', 'Not connected'],
    }[state];
    bilingual($('connection-text'), text[0], text[1]);
  }

  showError(e) {
    const err = e instanceof SealBridgeError ? e : new SealBridgeError({ code: 'INTERNAL', detail: String(e) });
    $('error-zh').textContent = err.messageZh;
    $('error-en').textContent = err.messageEn;
    $('error-code').textContent = err.code;
    $('error').hidden = false;
  }

  hideError() {
    $('error').hidden = true;
  }

  /** Re-reads everything; overlapping requests (events in quick succession) coalesce. */
  async refresh() {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        try {
          await this.load();
        } catch (e) {
          if (!(e instanceof SealBridgeError && e.code === 'CONNECTION_LOST')) this.showError(e);
        }
      } while (this.refreshAgain);
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  async load() {
    const info = await this.sb.info();
    this.modules = new Map((info.modules || []).map((m) => [m.path, m]));
    $('version').textContent = info.version ? `v${info.version}` : '';
    const { tokens } = await this.sb.tokens();
    this.tokenNames = new Map(tokens.map((t) => [t.id, t.label || t.serial || t.id]));
    this.certNames = new Map();
    const cards = [];
    for (const token of tokens) cards.push(await this.renderToken(token));
    $('tokens').replaceChildren(...cards);
    $('no-key').hidden = tokens.length > 0;
    document.body.dataset.tokens = String(tokens.length);
    await this.loadDiagnosis();
  }

  async renderToken(token) {
    const card = $('token-template').content.firstElementChild.cloneNode(true);
    card.dataset.tokenId = token.id;
    card.querySelector('.token-label').textContent = token.label || '(无标签 / no label)';
    card.querySelector('.token-maker').textContent = [token.manufacturer, token.model].filter(Boolean).join(' · ');
    card.querySelector('.token-serial').textContent = token.serial || '—';
    card.querySelector('.token-model').textContent =
      [token.manufacturer, token.model].filter(Boolean).join(' / ') || '—';
    const mod = this.modules.get(token.module);
    const moduleCell = card.querySelector('.token-module');
    moduleCell.textContent = token.module || '—';
    const moduleName = (mod && mod.name) || token.module_name;
    if (moduleName) moduleCell.prepend(el('span', 'module-name', moduleName), ' ');

    const pin = pinStatus(token.flags);
    const pinCell = card.querySelector('.token-pin');
    pinCell.replaceChildren(
      ...pin.words.flatMap(([zh, en], i) => [
        ...(i ? [el('span', 'sep', '；')] : []),
        bilingual(el('span'), zh, en),
      ]),
    );
    const badge = card.querySelector('.token-pin-badge');
    badge.classList.add(`badge-${pin.level}`);
    bilingual(badge, pin.words[0][0], pin.words[0][1]);

    const certsBox = card.querySelector('.certs');
    const certsStatus = card.querySelector('.certs-status');
    try {
      const { certificates } = await this.sb.certificates(token.id);
      certsBox.replaceChildren(...certificates.map((c) => this.renderCert(c)));
      for (const c of certificates) {
        this.certNames.set(`${token.id}/${c.id}`, `${commonName(c.subject)} ${c.label || ''}`.trim());
      }
      if (certificates.length === 0) bilingual(certsStatus, 'UKey中没有证书', 'No certificates on this key.');
      else certsStatus.remove();
    } catch (e) {
      if (e instanceof SealBridgeError && (e.code === 'TOKEN_REMOVED' || e.code === 'TOKEN_NOT_FOUND')) {
        bilingual(certsStatus, 'UKey已被拔出', 'The key was removed.');
      } else {
        bilingual(certsStatus, `读取证书失败：${e.messageZh || e.message}`, e.messageEn || '');
      }
    }
    const seals = card.querySelector('.seals');
    seals.dataset.tokenId = token.id;
    await this.loadSeals(token, seals);
    return card;
  }

  async loadSeals(token, box) {
    try {
      const { seals } = await this.sb.call('seal.list', { token: token.id });
      renderSealList(box, seals || []);
    } catch (e) {
      box.dataset.count = '';
      const status = el('p', 'muted seals-status');
      if (e instanceof SealBridgeError && (e.code === 'TOKEN_REMOVED' || e.code === 'TOKEN_NOT_FOUND')) {
        bilingual(status, 'UKey已被拔出', 'The key was removed.');
      } else if (e instanceof SealBridgeError && e.code === 'PIN_REQUIRED') {
        bilingual(status, '这个UKey的印章需要输入口令才能查看', 'This key needs its PIN to list seals.');
      } else {
        bilingual(status, `读取印章失败：${e.messageZh || e.message}`, e.messageEn || '');
      }
      box.replaceChildren(status);
    }
  }

  renderCert(cert) {
    const card = $('cert-template').content.firstElementChild.cloneNode(true);
    card.dataset.certId = cert.id;
    const left = daysLeft(cert);
    card.querySelector('.cert-cn').textContent = commonName(cert.subject);
    card.querySelector('.cert-label').textContent = cert.label || '';
    const badge = card.querySelector('.cert-badge');
    if (left < 0) {
      badge.classList.add('badge-error');
      bilingual(badge, '证书已过期', 'Expired');
      card.classList.add('cert-expired');
    } else if (left <= EXPIRING_DAYS) {
      badge.classList.add('badge-warning');
      bilingual(badge, '证书即将过期', 'Expiring soon');
      card.classList.add('cert-expiring');
    } else {
      badge.classList.add('badge-ok');
      bilingual(badge, '有效', 'Valid');
    }
    const until = localDate(cert.not_after);
    const expiry = card.querySelector('.cert-expiry');
    if (left < 0) {
      bilingual(expiry, `有效期到 ${until}，已过期 ${-left} 天`, `valid until ${until}, expired ${-left} days ago`);
    } else {
      bilingual(expiry, `有效期到 ${until}，剩余 ${left} 天`, `valid until ${until}, ${left} days left`);
    }
    card.querySelector('.cert-subject').textContent = cert.subject || '';
    card.querySelector('.cert-issuer').textContent = cert.issuer || '';
    card.querySelector('.cert-serial').textContent = cert.serial || '';
    card.querySelector('.cert-validity').textContent = `${localDate(cert.not_before)} 至 ${until}`;
    const keyType = card.querySelector('.cert-keytype');
    keyType.textContent = cert.key_type || '';
    if (cert.has_private_key) keyType.append(' ', bilingual(el('span', 'muted'), '（有私钥）', 'with private key'));
    const usage = (cert.usage || []).map((u) => USAGE_ZH[u] || u);
    card.querySelector('.cert-usage').textContent = usage.length ? usage.join('、') : '—';
    return card;
  }

  async loadDiagnosis() {
    let result;
    try {
      result = await this.sb.diagnose();
    } catch (e) {
      $('diag-summary').className = 'diag-summary diag-error';
      bilingual($('diag-summary'), `环境检测失败：${e.messageZh || e.message}`, e.messageEn || '');
      $('findings').replaceChildren();
      return;
    }
    const summary = $('diag-summary');
    summary.className = `diag-summary ${result.ok ? 'diag-ok' : 'diag-error'}`;
    summary.dataset.ok = String(result.ok);
    const warnings = (result.findings || []).filter((f) => f.level === 'warning').length;
    if (!result.ok) bilingual(summary, '发现问题，请按提示处理', 'Problems found; see below.');
    else if (warnings) bilingual(summary, `检测通过，有 ${warnings} 项需要注意`, `Passed, ${warnings} to look at.`);
    else bilingual(summary, '检测通过', 'All checks passed.');
    const order = { error: 0, warning: 1, info: 2 };
    const findings = [...(result.findings || [])].sort(
      (a, b) => (order[a.level] ?? 3) - (order[b.level] ?? 3),
    );
    $('findings').replaceChildren(...findings.map((f) => this.renderFinding(f)));
  }

  renderFinding(f) {
    const level = LEVEL_TEXT[f.level] ? f.level : 'info';
    const item = el('li', `finding finding-${level}`);
    item.dataset.code = f.code || '';
    const tag = el('span', `badge badge-${level === 'info' ? 'ok' : level}`);
    bilingual(tag, LEVEL_TEXT[level][0], LEVEL_TEXT[level][1]);
    const body = el('div', 'finding-body');
    body.append(el('p', 'finding-zh', f.message_zh || f.code));
    if (f.message_en) body.append(el('p', 'en', f.message_en));
    const extra = [];
    const tokenId = typeof f.token === 'object' && f.token ? f.token.id : f.token;
    if (f.token) {
      const name = (typeof f.token === 'object' && f.token.label) || this.tokenNames.get(tokenId) || tokenId;
      extra.push(`UKey: ${name}`);
    }
    if (f.certificate) {
      const cert = f.certificate;
      const name = typeof cert === 'object'
        ? commonName(cert.subject) || cert.label || cert.id
        : this.certNames.get(`${tokenId}/${cert}`) || (cert.includes('=') ? commonName(cert) : cert);
      extra.push(`证书 / Certificate: ${name}`);
    }
    if (typeof f.days_left === 'number') extra.push(`剩余 ${f.days_left} 天 / ${f.days_left} days left`);
    if (f.module) extra.push(`驱动 / Driver: ${typeof f.module === 'object' ? f.module.name || f.module.path : f.module}`);
    if (extra.length) body.append(el('p', 'finding-extra muted', extra.join(' · ')));
    body.append(el('code', 'finding-code', f.code || ''));
    item.append(tag, body);
    return item;
  }
}

new SealTool().start();
