// Bid-signing sample (投标文件签章): pick a PDF, pick a seal on the UKey, place it by keyword
// or by a click on a box of the page's size, sign (the user approves and types the PIN in
// SealBridge's own window), download the signed PDF and list pdf.verify's findings. Text from
// the key and the PDF (seal names, signer subjects) is only written with textContent.
import { SealBridge, SealBridgeError } from '../sdk/sealbridge.js';

const query = new URLSearchParams(location.search);
const sb = new SealBridge({
  port: query.get('port') ? Number(query.get('port')) : undefined,
  host: query.get('host') || undefined,
  transport: query.get('transport') || 'auto',
});
const $ = (id) => document.getElementById(id);
const PICTURE_MIME = { PNG: 'image/png', GIF: 'image/gif', JPG: 'image/jpeg', JPEG: 'image/jpeg', BMP: 'image/bmp' };
const VERIFY_ERRORS_ZH = {
  SIGNATURE_INVALID: '签名值验证失败',
  DIGEST_MISMATCH: '文件内容与签名不符（签章后被改动过）',
  SIGNER_NOT_FOUND: '找不到签署人证书',
  SIGNING_CERTIFICATE_MISMATCH: '签署人证书与签名记录不一致',
  UNSUPPORTED_ALGORITHM: '不支持的签名算法',
  SEAL_NOT_VALID: '印章无效',
};
// The page box is drawn this many pixels per millimetre.
const PX_PER_MM = 2;

const state = {
  file: null,
  uploaded: null, // {document, size, sha256} of the original
  signed: null, // pdf.sign result
  seals: [],
  downloadUrl: null,
  busy: false,
};

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** What a clerk should read for an error: [zh, en]. */
function explain(e, context = {}) {
  if (!(e instanceof SealBridgeError)) return ['发生未知错误，请刷新页面后重试。', String(e && e.message)];
  switch (e.code) {
    case 'CANCELLED':
      return ['您已取消签署。', 'You declined in the SealBridge window; nothing was signed.'];
    case 'BUSY':
      return ['签章服务正忙：已有其他签署请求在等待确认。请先处理已打开的 SealBridge 窗口，稍后再试。',
        'Another signing request is waiting for approval; finish it and try again.'];
    case 'PIN_INCORRECT':
      return [typeof e.triesLeft === 'number' ? `UKey口令错误，还可尝试 ${e.triesLeft} 次。` : 'UKey口令错误。',
        typeof e.triesLeft === 'number' ? `Wrong PIN, ${e.triesLeft} tries left.` : 'Wrong PIN.'];
    case 'PIN_FINAL_TRY':
      return ['UKey口令仅剩最后一次尝试机会，输错将锁定UKey。请在签章服务窗口中确认后再输入。',
        'One PIN try left; a wrong PIN locks the key.'];
    case 'PIN_LOCKED':
      return ['UKey口令已锁定，请联系发证机构解锁。', 'The PIN is locked; contact the issuer.'];
    case 'PIN_ATTEMPTS_EXCEEDED':
      return ['本页面提交的错误口令次数过多，请15分钟后再试。', 'Too many wrong PINs from this page; try again in 15 minutes.'];
    case 'PIN_LENGTH':
      return ['UKey口令长度不符合要求，请检查后重试。', 'The PIN length is not accepted by the key.'];
    case 'NOT_SUPPORTED':
      return [`本机无法完成签章：签章服务无法弹出确认窗口（未安装确认程序或当前没有图形界面），或此UKey不支持该操作。请联系管理员。${e.messageZh && e.messageZh !== e.code ? `（${e.messageZh}）` : ''}`,
        'The service cannot show its approval window (dialog program missing or no display), or the key cannot do this.'];
    case 'OBJECT_NOT_FOUND':
      if (context.keyword) {
        return [`文件中没有找到关键字“${context.keyword}”，请换一个关键字，或改为在页面上点击指定位置。`,
          'The keyword is not in the document text.'];
      }
      return ['没有找到所选印章或证书，请刷新印章后重试。', 'The seal or certificate was not found.'];
    case 'TOKEN_REMOVED':
    case 'TOKEN_NOT_FOUND':
      return ['UKey已被拔出，请插入UKey后重试。', 'The key was removed.'];
    case 'SEAL_EXPIRED':
      return ['所选印章已过期，请联系制章机构延期。', 'The seal has expired.'];
    case 'PDF_UNSUPPORTED':
      return ['该PDF已加密或已锁定（不允许再修改），无法签章。', 'Encrypted or locked PDF.'];
    case 'PDF_INVALID':
      return ['该PDF文件已损坏，请重新生成后再试。', 'The PDF is damaged.'];
    case 'PAYLOAD_TOO_LARGE':
      return ['文件太大，超过签章服务允许的大小。', 'The file is too large.'];
    case 'TIMEOUT':
      return ['等待签章确认超时，请重试。', 'No answer in time.'];
    default:
      return [e.messageZh || e.code, e.messageEn || ''];
  }
}

function showAlert(e, context) {
  const [zh, en] = explain(e, context);
  $('alert-zh').textContent = zh;
  $('alert-en').textContent = en;
  $('alert-code').textContent = e instanceof SealBridgeError ? e.code : '';
  $('alert').hidden = false;
  return [zh, en];
}

function hideAlert() {
  $('alert').hidden = true;
}

function setSignStatus(stateName, text) {
  $('sign-status').dataset.state = stateName;
  $('sign-status').textContent = text;
}

function selectedSeal() {
  const checked = document.querySelector('input[name="seal"]:checked');
  return checked ? state.seals.find((s) => s.id === checked.value) : null;
}

function updateSignButton() {
  $('sign').disabled = state.busy || !state.uploaded || !selectedSeal();
}

// ---- connection and seals --------------------------------------------------------------

async function connect() {
  try {
    await sb.connect();
    $('status').dataset.state = 'connected';
    $('status').textContent = '已连接';
    await loadTokens();
  } catch (e) {
    $('status').dataset.state = 'error';
    $('status').textContent = '无法连接';
    showAlert(e);
  }
}

async function loadTokens() {
  const { tokens } = await sb.tokens();
  const previous = $('token').value;
  $('token').replaceChildren(...tokens.map((t) => {
    const option = el('option', '', `${t.label || t.serial}（${t.serial}）`);
    option.value = t.id;
    return option;
  }));
  if (tokens.some((t) => t.id === previous)) $('token').value = previous;
  await loadSeals();
}

async function loadSeals() {
  const token = $('token').value;
  state.seals = [];
  $('seals').replaceChildren();
  $('seals').dataset.count = '0';
  updateSignButton();
  if (!token) {
    $('seals-status').textContent = '请插入UKey';
    return;
  }
  $('seals-status').textContent = '正在读取印章…';
  try {
    const { seals } = await sb.seals(token);
    state.seals = (seals || []).filter((s) => s.format);
    $('seals').replaceChildren(...state.seals.map(renderSealChoice));
    $('seals').dataset.count = String(state.seals.length);
    $('seals-status').textContent = state.seals.length
      ? `UKey中有 ${state.seals.length} 枚印章，请选择一枚：`
      : '这个UKey中没有印章。';
    const first = document.querySelector('.seal-choice[data-usable="true"] input');
    if (first) first.checked = true;
    updateMarker();
  } catch (e) {
    $('seals-status').textContent = `读取印章失败：${explain(e)[0]}`;
  }
  updateSignButton();
}

function renderSealChoice(seal) {
  const label = el('label', 'seal-choice');
  label.dataset.sealId = seal.id;
  label.dataset.esId = seal.es_id || '';
  const usable = seal.verification?.ok !== false && (seal.days_left === undefined || seal.days_left >= 0);
  label.dataset.usable = String(usable);
  const input = el('input');
  input.type = 'radio';
  input.name = 'seal';
  input.value = seal.id;
  input.addEventListener('change', () => {
    updateMarker();
    updateSignButton();
  });
  const type = String(seal.picture?.type || '').toUpperCase();
  let picture;
  if (PICTURE_MIME[type] && seal.picture.data) {
    picture = el('img');
    picture.alt = `${seal.name || ''} 印章图片`;
    picture.src = `data:${PICTURE_MIME[type]};base64,${seal.picture.data}`;
  } else {
    picture = el('div', 'no-picture', '无法显示印模');
  }
  const name = el('div', 'seal-name', seal.name || '(无名称)');
  const note = el('div', 'muted', usable ? `编码 ${seal.es_id || '—'}` : '印章无效或已过期');
  label.append(input, picture, name, note);
  return label;
}

// ---- placement -------------------------------------------------------------------------

function pageSizeMm() {
  const [w, h] = $('page-size').value.split('x').map(Number);
  return { w, h };
}

function drawPageBox() {
  const { w, h } = pageSizeMm();
  $('page-box').style.width = `${w * PX_PER_MM}px`;
  $('page-box').style.height = `${h * PX_PER_MM}px`;
  updateMarker();
}

function updateMarker() {
  const seal = selectedSeal();
  const marker = $('seal-marker');
  const x = Number($('x-mm').value);
  const y = Number($('y-mm').value);
  if (!Number.isFinite(x) || !Number.isFinite(y)) {
    marker.hidden = true;
    return;
  }
  const w = seal?.picture?.width_mm || 40;
  const h = seal?.picture?.height_mm || 40;
  Object.assign(marker.style, {
    left: `${x * PX_PER_MM}px`,
    top: `${y * PX_PER_MM}px`,
    width: `${w * PX_PER_MM}px`,
    height: `${h * PX_PER_MM}px`,
  });
  marker.hidden = false;
}

function onPageClick(ev) {
  // Measured from inside the box's border: that is where the page (and the marker) starts.
  const pageBox = $('page-box');
  const box = pageBox.getBoundingClientRect();
  const { w, h } = pageSizeMm();
  const x = Math.min(Math.max((ev.clientX - box.left - pageBox.clientLeft) / PX_PER_MM, 0), w);
  const y = Math.min(Math.max((ev.clientY - box.top - pageBox.clientTop) / PX_PER_MM, 0), h);
  // One box pixel is half a millimetre: finer figures would only pretend to be exact.
  $('x-mm').value = String(Math.round(x * 2) / 2);
  $('y-mm').value = String(Math.round(y * 2) / 2);
  updateMarker();
}

/**
 * The page size when the file says it plainly: the first /MediaBox written as text. Files
 * whose page objects sit in compressed object streams do not show it; the clerk then picks.
 */
async function guessPageSize(file) {
  const head = await file.slice(0, Math.min(file.size, 4 * 1024 * 1024)).text();
  const m = /\/MediaBox\s*\[\s*(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s*\]/.exec(head);
  if (!m) return null;
  const pt = (v) => (Number(v) * 25.4) / 72;
  const w = Math.round(pt(m[3]) - pt(m[1]));
  const h = Math.round(pt(m[4]) - pt(m[2]));
  return w > 0 && h > 0 ? { w, h } : null;
}

async function usePageSize(file) {
  const size = await guessPageSize(file).catch(() => null);
  if (!size) {
    $('page-size-note').textContent = '未能从文件中读出页面尺寸，请按实际选择。';
    return;
  }
  const value = `${size.w}x${size.h}`;
  if (![...$('page-size').options].some((o) => o.value === value)) {
    const option = el('option', '', `文件中的页面尺寸 (${size.w}×${size.h} mm)`);
    option.value = value;
    $('page-size').prepend(option);
  }
  $('page-size').value = value;
  $('page-size-note').textContent = `已按文件第一页的尺寸 ${size.w}×${size.h} mm 显示（如页面有旋转或裁切，请以实际为准）。`;
  drawPageBox();
}

function placement() {
  const mode = document.querySelector('input[name="placement"]:checked').value;
  if (mode === 'keyword') {
    const keyword = $('keyword').value.trim();
    if (!keyword) throw new SealBridgeError({ code: 'BAD_PARAMS', message_zh: '请填写用于定位印章的关键字。' });
    return { keyword };
  }
  const page = Number($('page').value);
  const x = Number($('x-mm').value);
  const y = Number($('y-mm').value);
  if (!Number.isInteger(page) || page < 1 || !Number.isFinite(x) || !Number.isFinite(y) || x < 0 || y < 0) {
    throw new SealBridgeError({ code: 'BAD_PARAMS', message_zh: '请填写正确的页码和位置（毫米，从页面左上角量起）。' });
  }
  return { page, x_mm: x, y_mm: y };
}

// ---- file, sign, download, verify ------------------------------------------------------

async function onFile() {
  hideAlert();
  resetResult();
  const file = $('file').files[0];
  if (state.uploaded) {
    sb.deleteDocument(state.uploaded).catch(() => {});
    state.uploaded = null;
  }
  state.file = file || null;
  updateSignButton();
  if (!file) return;
  $('file-info').textContent = `正在读取 ${file.name}（${(file.size / 1024).toFixed(1)} KB）…`;
  usePageSize(file);
  try {
    state.uploaded = await sb.uploadDocument(file, { name: file.name, type: 'application/pdf' });
    $('file-info').textContent = `${file.name}（${(file.size / 1024).toFixed(1)} KB），SHA-256 ${state.uploaded.sha256}`;
    $('file-info').dataset.document = state.uploaded.document;
  } catch (e) {
    $('file-info').textContent = '';
    showAlert(e);
  }
  updateSignButton();
}

function resetResult() {
  $('result').hidden = true;
  if (state.downloadUrl) URL.revokeObjectURL(state.downloadUrl);
  state.downloadUrl = null;
  state.signed = null;
  $('verify-list').replaceChildren();
  setSignStatus('idle', '');
}

async function onSign() {
  hideAlert();
  const seal = selectedSeal();
  let where;
  try {
    where = placement();
  } catch (e) {
    showAlert(e);
    return;
  }
  resetResult();
  state.busy = true;
  updateSignButton();
  setSignStatus('waiting', '请在弹出的 SealBridge 签章服务窗口中核对信息、输入UKey口令并确认…');
  const options = { reason: $('reason').value.trim() || undefined };
  if (!$('pin-row').hidden && $('pin').value) options.pin = $('pin').value;
  try {
    state.signed = await sb.signPdf($('token').value, seal.id, state.uploaded, where, options);
    $('pin').value = '';
    setSignStatus('done', '签章完成。');
    await showResult();
  } catch (e) {
    const [zh] = showAlert(e, where);
    setSignStatus('error', zh);
  } finally {
    state.busy = false;
    updateSignButton();
  }
}

async function showResult() {
  const signed = state.signed;
  const pages = signed.signature?.pages?.join?.('、') ?? '';
  $('result-summary').textContent =
    `已在第 ${pages || '?'} 页加盖“${signed.signature?.seal?.name || selectedSeal()?.name || ''}”，签章后文件 ${(signed.size / 1024).toFixed(1)} KB，SHA-256 ${signed.sha256}。`;
  $('result').hidden = false;
  $('result').dataset.document = signed.document;
  const link = $('download');
  link.setAttribute('aria-disabled', 'true');
  try {
    const blob = await sb.downloadDocument(signed);
    state.downloadUrl = URL.createObjectURL(new Blob([blob], { type: 'application/pdf' }));
    link.href = state.downloadUrl;
    link.download = (state.file?.name || '投标文件.pdf').replace(/\.pdf$/i, '') + '-已签章.pdf';
    link.removeAttribute('aria-disabled');
  } catch (e) {
    showAlert(e);
  }
  await verify(signed);
}

async function verify(document) {
  const list = $('verify-list');
  list.dataset.state = 'checking';
  try {
    const { signatures } = await sb.verifyPdf(document);
    list.replaceChildren(...signatures.map(renderVerification));
    if (!signatures.length) list.append(el('li', '', '文件中没有签章。'));
    list.dataset.count = String(signatures.length);
    list.dataset.state = 'done';
  } catch (e) {
    list.replaceChildren(el('li', '', `验证失败：${explain(e)[0]}`));
    list.dataset.state = 'error';
  }
}

function renderVerification(sig, index) {
  const item = el('li');
  item.dataset.valid = String(Boolean(sig.valid));
  const verdict = sig.valid
    ? (sig.modified_after ? '签章有效（其后文件又有追加修改，如后续签章）' : '签章有效，文件签章后未被修改')
    : '签章无效';
  item.append(el('strong', 'verdict', `第 ${index + 1} 个签章：${verdict}`));
  const signer = /(?:^|,)\s*CN=((?:\\.|[^,])*)/.exec(sig.signer?.subject || '')?.[1] || sig.signer?.subject || sig.name || '未知';
  const facts = [
    `签署人：${signer}`,
    sig.signed_at ? `时间：${parseSignedAt(sig.signed_at)?.toLocaleString('zh-CN', { hour12: false }) ?? sig.signed_at}` : null,
    sig.page ? `页码：${sig.page}` : null,
    sig.trusted ? '签署证书可信' : '签署证书未在本机信任列表中',
  ].filter(Boolean);
  item.append(el('div', 'muted', facts.join(' · ')));
  // UNTRUSTED is already said above in words.
  const problems = (sig.errors || []).filter((c) => c !== 'UNTRUSTED').map((c) => VERIFY_ERRORS_ZH[c] || c);
  if (problems.length) item.append(el('div', 'muted', `问题：${problems.join('、')}`));
  return item;
}

/** A Date from ISO 8601 or from a PDF date (D:YYYYMMDDHHmmSS+HH'mm', as /M holds it). */
function parseSignedAt(text) {
  const pdf = /^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:([Zz+-])(\d{2})?'?(\d{2})?'?)?/.exec(text || '');
  if (pdf) {
    const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', sign, oh = '00', om = '00'] = pdf;
    const zone = !sign || /z/i.test(sign) ? 'Z' : `${sign}${oh}:${om}`;
    const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${zone}`);
    return Number.isNaN(date.getTime()) ? null : date;
  }
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : date;
}

// ---- wiring ----------------------------------------------------------------------------

if (query.get('pin_from_page') === '1') $('pin-row').hidden = false;
for (const radio of document.querySelectorAll('input[name="placement"]')) {
  radio.addEventListener('change', () => {
    const byKeyword = document.querySelector('input[name="placement"]:checked').value === 'keyword';
    $('by-keyword').hidden = !byKeyword;
    $('by-position').hidden = byKeyword;
  });
}
$('file').addEventListener('change', onFile);
$('token').addEventListener('change', loadSeals);
$('reload-seals').addEventListener('click', () => loadTokens().catch(showAlert));
$('page-size').addEventListener('change', drawPageBox);
$('page-box').addEventListener('click', onPageClick);
$('x-mm').addEventListener('input', updateMarker);
$('y-mm').addEventListener('input', updateMarker);
$('sign').addEventListener('click', onSign);
sb.on('token.inserted', () => loadTokens().catch(() => {}));
sb.on('token.removed', () => loadTokens().catch(() => {}));
sb.on('seal.changed', () => loadSeals());
drawPageBox();
connect();
