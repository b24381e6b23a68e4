// The seal tool page served by the daemon at http://127.0.0.1:PORT/. Everything shown comes
// from the daemon and part of it (certificate subjects, labels) is chosen by whoever issued
// the key, so it is only ever written with textContent, never parsed as HTML.
import { SealBridge, SealBridgeError } from '../sdk/sealbridge.js';
import { readableSubject, renderSealList, techDetails } from './seals.js';
import { setupPdfVerify } from './verify-pdf.js';

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

const KEY_TYPE_ZH = {
  RSA: 'RSA',
  SM2: 'SM2（国密）',
  EC: 'ECC（椭圆曲线）',
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

/** A certificate's holder in words, never a raw DN: "张三（示例科技有限公司）". */
function certHolder(dn) {
  return readableSubject(dn) || '（未写明持有人的证书）';
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
    // The service finishes a write an unplug interrupted once the key is back, without an event
    // of its own: a second look a moment later shows the seals as they end up.
    this.sb.on('token.inserted', () => {
      this.refresh();
      setTimeout(() => this.refresh(), 1500);
    });
    this.sb.on('token.removed', () => this.refresh());
    this.sb.on('seal.changed', () => this.refresh());
    setupPdfVerify(this.sb);
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
    $('error-code').textContent = [err.code, err.detail].filter(Boolean).join(' · ');
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
    this.unreadKey = false;
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
    this.retryUnreadKey();
  }

  // A key still listed but answering "removed" is either on its way out (token.removed follows)
  // or just plugged in and being reopened: read it again shortly instead of leaving it blank.
  retryUnreadKey() {
    if (!this.unreadKey) {
      this.unreadRetries = 0;
      return;
    }
    if (this.unreadTimer || (this.unreadRetries || 0) >= 20) return;
    this.unreadRetries = (this.unreadRetries || 0) + 1;
    this.unreadTimer = setTimeout(() => {
      this.unreadTimer = null;
      this.refresh();
    }, 500);
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
    const moduleName = (mod && mod.name) || token.module_name;
    moduleCell.replaceChildren(moduleName
      ? el('span', 'module-name', moduleName)
      : bilingual(el('span'), '已加载', 'loaded'));
    const tokenTech = techDetails([
      ['token id', token.id],
      ['driver', token.module],
      ['manufacturer', token.manufacturer],
      ['model', token.model],
      ['flags', Object.entries(token.flags || {}).filter(([, v]) => v).map(([k]) => k).join(', ')],
    ]);

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
        this.certNames.set(`${token.id}/${c.id}`, certHolder(c.subject));
      }
      if (certificates.length === 0) bilingual(certsStatus, 'UKey中没有证书', 'No certificates on this key.');
      else certsStatus.remove();
    } catch (e) {
      if (e instanceof SealBridgeError && (e.code === 'TOKEN_REMOVED' || e.code === 'TOKEN_NOT_FOUND')) {
        this.unreadKey = true;
        bilingual(certsStatus, '正在读取UKey…', 'Reading the key…');
      } else {
        bilingual(certsStatus, `读取证书失败：${e.messageZh || e.message}`, e.messageEn || '');
      }
    }
    const seals = card.querySelector('.seals');
    seals.dataset.tokenId = token.id;
    await this.loadSeals(token, seals);
    card.append(tokenTech);
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
        this.unreadKey = true;
        bilingual(status, '正在读取UKey…', 'Reading the key…');
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
    card.querySelector('.cert-cn').textContent = certHolder(cert.subject);
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
    card.querySelector('.cert-subject').textContent = certHolder(cert.subject);
    card.querySelector('.cert-issuer').textContent = readableSubject(cert.issuer) || '—';
    card.querySelector('.cert-validity').textContent = `${localDate(cert.not_before)} 至 ${until}`;
    card.querySelector('.cert-keytype').textContent = KEY_TYPE_ZH[cert.key_type] || cert.key_type || '—';
    // has_private_key is null when only a login could tell.
    const privateKey = card.querySelector('.cert-private');
    if (cert.has_private_key === true) bilingual(privateKey, '在UKey中', 'on the key');
    else if (cert.has_private_key === false) bilingual(privateKey, '不在UKey中', 'not on the key');
    else bilingual(privateKey, '输入口令后才能确认', 'known after a PIN login');
    const usage = (cert.usage || []).map((u) => USAGE_ZH[u]).filter(Boolean);
    card.querySelector('.cert-usage').textContent = usage.length ? [...new Set(usage)].join('、') : '—';
    card.append(techDetails([
      ['subject', cert.subject],
      ['issuer', cert.issuer],
      ['serial', cert.serial],
      ['id', cert.id],
      ['label', cert.label],
      ['key type', cert.key_type],
      ['private key', String(cert.has_private_key ?? 'unknown')],
      ['key usage', (cert.usage || []).join(', ')],
      ['not before', cert.not_before],
      ['not after', cert.not_after],
    ]));
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

  /** What the clerk reads for a finding: [zh, en], in words, with names instead of ids and DNs. */
  findingWords(f) {
    const tokenId = typeof f.token === 'object' && f.token ? f.token.id : f.token;
    const key = (typeof f.token === 'object' && f.token?.label) || this.tokenNames.get(tokenId) || 'UKey';
    const cert = typeof f.certificate === 'object' && f.certificate
      ? certHolder(f.certificate.subject)
      : (f.certificate && (this.certNames.get(`${tokenId}/${f.certificate}`) || certHolder(f.certificate))) || '证书';
    const modulePath = typeof f.module === 'object' && f.module ? f.module.path : f.module;
    const driver = (typeof f.module === 'object' && f.module?.name) || this.modules.get(modulePath)?.name || 'UKey驱动';
    const days = f.days_left;
    switch (f.code) {
      case 'DRIVER_LOADED':
        return [`驱动“${driver}”已加载`, 'the key driver is loaded'];
      case 'DRIVER_LOAD_FAILED':
        return [`驱动“${driver}”无法加载，请重新安装UKey驱动；仍不行请联系技术支持`, 'the key driver could not be loaded; reinstall it'];
      case 'NO_DRIVER_CONFIGURED':
        return ['还没有配置UKey驱动，请联系管理员', 'no key driver is configured; ask your administrator'];
      case 'NO_KEY':
        return ['没有检测到UKey，请插入UKey', 'no key plugged in'];
      case 'KEY_PRESENT':
        return [`已检测到UKey“${key}”`, 'the key is plugged in'];
      case 'KEY_UNREADABLE':
        return [`无法读取UKey“${key}”中的证书，请拔出后重新插入；仍不行请联系技术支持`, 'the key\'s certificates could not be read'];
      case 'PIN_LOCKED':
        return [`UKey“${key}”的口令已锁定，请联系UKey发放机构解锁`, 'the PIN is locked'];
      case 'PIN_FINAL_TRY':
        return [`UKey“${key}”的口令只剩最后一次机会，请仔细核对后再输入`, 'one PIN try left'];
      case 'CERT_EXPIRING':
        return [
          `证书“${cert}”${typeof days === 'number' ? `还有 ${days} 天到期` : '即将到期'}，请及时办理数字证书延期` +
            '（电子印章延期前需要先延期数字证书）',
          `a certificate expires${typeof days === 'number' ? ` in ${days} days` : ' soon'}; renew it`,
        ];
      case 'CERT_EXPIRED':
        return [`证书“${cert}”已过期，请办理数字证书延期`, 'a certificate has expired; renew it'];
      default:
        // Newer daemons may report more; their own sentence is the best we have.
        return [f.message_zh || '检测到一项需要注意的情况', f.message_en || ''];
    }
  }

  renderFinding(f) {
    const level = LEVEL_TEXT[f.level] ? f.level : 'info';
    const item = el('li', `finding finding-${level}`);
    item.dataset.code = f.code || '';
    const tag = el('span', `badge badge-${level === 'info' ? 'ok' : level}`);
    bilingual(tag, LEVEL_TEXT[level][0], LEVEL_TEXT[level][1]);
    const body = el('div', 'finding-body');
    const [zh, en] = this.findingWords(f);
    body.append(el('p', 'finding-zh', zh));
    if (en) body.append(el('p', 'en', en));
    const tokenId = typeof f.token === 'object' && f.token ? f.token.id : f.token;
    const cert = typeof f.certificate === 'object' && f.certificate ? f.certificate.subject || f.certificate.id : f.certificate;
    body.append(techDetails([
      ['code', f.code],
      ['message', f.message_zh],
      ['message (en)', f.message_en],
      ['token', tokenId],
      ['certificate', cert],
      ['driver', typeof f.module === 'object' && f.module ? f.module.path : f.module],
      ['days left', typeof f.days_left === 'number' ? String(f.days_left) : ''],
    ]));
    item.append(tag, body);
    return item;
  }
}

new SealTool().start();
