// The "验证签章文件" panel of the seal tool: the user drops or picks a stamped PDF, it is
// uploaded to this same service, pdf.verify checks every signature, and the upload is deleted
// again whatever the outcome. Signer names and seal pictures come from the file, so text is
// written with textContent and pictures only as data: URLs of an <img>.
import { SealBridgeError } from '../sdk/sealbridge.js';
import { bilingual, el, sealPicture } from './seals.js';

const ERROR_ZH = {
  SIGNATURE_INVALID: '签名值验证失败',
  DIGEST_MISMATCH: '文件内容与签名不符（签章后被改动过）',
  NO_CONTENT: '签名中没有被签内容',
  UNTRUSTED: '签署证书不在本机信任列表中',
  UNSUPPORTED_ALGORITHM: '不支持的签名算法',
  SIGNER_NOT_FOUND: '签名中找不到签署人证书',
  SIGNING_CERTIFICATE_MISMATCH: '签署人证书与签名记录不一致',
  MESSAGE_DIGEST_MISSING: '签名缺少内容摘要',
  CONTENT_TYPE_MISMATCH: '签名的内容类型不符',
  SEAL_NOT_VALID: '签章中的印章无效',
};

function commonName(dn) {
  const match = /(?:^|,)\s*CN=((?:\\.|[^,])*)/.exec(dn || '');
  return match ? match[1].replace(/\\(.)/g, '$1') : dn || '';
}

/** A Date from ISO 8601 or from a PDF date (D:YYYYMMDDHHmmSS+HH'mm', as /M holds it). */
export function parseSignedAt(text) {
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

function localTime(text) {
  const d = parseSignedAt(text);
  return d ? d.toLocaleString('zh-CN', { hour12: false }) : text || '';
}

function fact(dl, zh, en, value, className) {
  const row = el('div');
  row.append(bilingual(el('dt'), zh, en), el('dd', className, value));
  dl.append(row);
}

export function renderPdfSignature(sig, index) {
  const card = el('article', `pdfsig ${sig.valid ? 'pdfsig-valid' : 'pdfsig-invalid'}`);
  card.dataset.valid = String(Boolean(sig.valid));
  card.dataset.modifiedAfter = String(Boolean(sig.modified_after));
  const body = el('div', 'pdfsig-body');
  const head = el('header', 'seal-head');
  const who = commonName(sig.name);
  head.append(el('span', 'seal-name', `第 ${index + 1} 个签章${who ? `：${who}` : ''}`));
  const badge = el('span', `badge ${sig.valid ? 'badge-ok' : 'badge-error'} pdfsig-verdict`);
  bilingual(badge, sig.valid ? '签章有效' : '签章无效', sig.valid ? 'valid' : 'invalid');
  head.append(badge);

  const change = el('p', `pdfsig-change ${sig.modified_after ? 'pdfsig-change-later' : ''}`);
  if (!sig.valid) bilingual(change, '签章不能证明文件未被改动', 'does not vouch for the file');
  else if (sig.modified_after) {
    bilingual(change, '签章后文件又有追加内容（例如后来的签章或修改），签章本身覆盖的部分未被改动',
      'bytes were added after this signature');
  } else bilingual(change, '签章后文件未被修改', 'file unchanged since this signature');

  const facts = el('dl', 'facts facts-compact');
  fact(facts, '签署人', 'Signer', commonName(sig.signer?.subject) || '—', 'pdfsig-signer');
  fact(facts, '签署时间', 'Signed at', sig.signed_at ? localTime(sig.signed_at) : '文件中未记录', 'pdfsig-time');
  fact(facts, '页码', 'Page', sig.page ?? '—', 'pdfsig-page');
  fact(facts, '证书', 'Trust', sig.trusted ? '签署证书可信' : '签署证书不在本机信任列表中', 'pdfsig-trust');
  if (sig.reason) fact(facts, '原因', 'Reason', sig.reason, 'pdfsig-reason');
  fact(facts, '签名格式', 'Format', [sig.kind, sig.sub_filter].filter(Boolean).join(' · ') || '—', 'pdfsig-format mono');

  body.append(head, change, facts);
  const errors = (sig.errors || []).filter((c) => c !== 'UNTRUSTED');
  if (errors.length) {
    const list = el('ul', 'seal-verify-errors');
    for (const code of errors) {
      const item = el('li', '', ERROR_ZH[code] || code);
      item.dataset.code = code;
      list.append(item);
    }
    body.append(list);
  }
  card.append(sig.seal?.picture ? sealPicture(sig.seal.picture) : el('div', 'seal-img seal-img-placeholder', '无印章图片'), body);
  return card;
}

export function setupPdfVerify(sb) {
  const $ = (id) => document.getElementById(id);
  const drop = $('verify-drop');
  const input = $('verify-file');
  const status = $('verify-status');
  const results = $('verify-results');

  const setStatus = (state, zh, en) => {
    status.dataset.state = state;
    bilingual(status, zh, en);
  };

  async function check(file) {
    if (!file) return;
    results.replaceChildren();
    results.dataset.count = '';
    if (!/\.pdf$/i.test(file.name) && file.type !== 'application/pdf') {
      setStatus('error', '请选择PDF文件', 'Please choose a PDF file.');
      return;
    }
    setStatus('checking', `正在验证 ${file.name}…`, 'Checking…');
    let uploaded = null;
    try {
      uploaded = await sb.uploadDocument(file, { name: file.name, type: 'application/pdf' });
      const { signatures } = await sb.verifyPdf(uploaded);
      results.replaceChildren(...signatures.map(renderPdfSignature));
      results.dataset.count = String(signatures.length);
      const bad = signatures.filter((s) => !s.valid).length;
      if (!signatures.length) setStatus('none', `${file.name}：文件中没有签章`, 'No signatures in this file.');
      else if (bad) setStatus('invalid', `${file.name}：共 ${signatures.length} 个签章，其中 ${bad} 个无效`, `${bad} of ${signatures.length} invalid`);
      else setStatus('valid', `${file.name}：共 ${signatures.length} 个签章，全部有效`, `all ${signatures.length} valid`);
    } catch (e) {
      const err = e instanceof SealBridgeError ? e : null;
      const zh = err?.code === 'PDF_INVALID' ? '文件已损坏或不是PDF文件'
        : err?.code === 'PDF_UNSUPPORTED' ? '该PDF已加密，无法验证'
          : err?.code === 'PAYLOAD_TOO_LARGE' ? '文件太大，超过签章服务允许的大小'
            : (err?.messageZh || String(e));
      setStatus('error', `验证失败：${zh}`, err ? `${err.messageEn} (${err.code})` : '');
    } finally {
      if (uploaded) sb.deleteDocument(uploaded).catch(() => {});
      input.value = '';
    }
  }

  input.addEventListener('change', () => check(input.files[0]));
  drop.addEventListener('dragover', (ev) => {
    ev.preventDefault();
    drop.classList.add('verify-drop-over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('verify-drop-over'));
  drop.addEventListener('drop', (ev) => {
    ev.preventDefault();
    drop.classList.remove('verify-drop-over');
    check(ev.dataTransfer?.files?.[0]);
  });
}
