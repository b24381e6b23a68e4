// The "印章" section of a key's card: one entry per seal from seal.list. Seal names, maker
// subjects and pictures come from whoever made the seal, so text goes in with textContent and
// pictures only as data: URLs of an <img> (an SVG there cannot run script or reach the page).

export const SEAL_EXPIRING_DAYS = 30;

const PICTURE_MIME = {
  PNG: 'image/png',
  GIF: 'image/gif',
  JPG: 'image/jpeg',
  JPEG: 'image/jpeg',
  BMP: 'image/bmp',
  SVG: 'image/svg+xml',
};

const SEAL_TYPE_ZH = {
  1: ['单位印章', 'organisation seal'],
  2: ['个人印章', 'personal seal'],
};

export const SEAL_ERROR_ZH = {
  SEAL_INVALID: ['印章数据损坏或制章签名验证失败', 'malformed, or the maker signature does not verify'],
  SEAL_UNTRUSTED: ['制章机构不在信任列表中', 'maker not trusted'],
  SEAL_NOT_BOUND: ['印章未绑定本UKey中的证书', 'not bound to a certificate on this key'],
  SEAL_EXPIRED: ['印章不在有效期内', 'outside its validity'],
};

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

export function bilingual(node, zh, en) {
  node.replaceChildren(document.createTextNode(zh));
  if (en) node.append(' ', el('span', 'en', en));
  return node;
}

function pad(n) {
  return String(n).padStart(2, '0');
}

export function localDate(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso || '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function sealDaysLeft(seal) {
  if (typeof seal.days_left === 'number') return seal.days_left;
  return Math.floor((new Date(seal.valid_end).getTime() - Date.now()) / 86400000);
}

/** One attribute of an RFC 2253 name ("CN", "O"), unescaped; '' when absent. */
export function dnField(dn, name) {
  const match = new RegExp(`(?:^|,)\\s*${name}=((?:\\\\.|[^,])*)`).exec(dn || '');
  return match ? match[1].replace(/\\(.)/g, '$1') : '';
}

/** Who a certificate is for, as a clerk names it: "张三（示例科技有限公司）". */
export function readableSubject(dn) {
  const cn = dnField(dn, 'CN');
  const o = dnField(dn, 'O');
  if (cn && o && cn !== o) return `${cn}（${o}）`;
  return cn || o || '';
}

/**
 * A closed "技术信息" box: codes, names and paths that support staff ask for, kept out of the
 * sentences a clerk reads. rows: [label, value] with empty values left out.
 */
export function techDetails(rows) {
  const box = el('details', 'tech');
  box.append(bilingual(el('summary'), '技术信息', 'details for support staff'));
  const list = el('dl', 'tech-list');
  for (const [label, value] of rows) {
    if (value === undefined || value === null || value === '') continue;
    list.append(el('dt', null, label), el('dd', 'mono', value));
  }
  box.append(list);
  return box;
}

/** An <img> for the seal's picture, or a placeholder box when it cannot be shown. */
export function sealPicture(picture) {
  const type = String(picture?.type || '').toUpperCase();
  const mime = PICTURE_MIME[type];
  if (mime && picture.data) {
    const img = el('img', 'seal-img');
    img.alt = '印章图片';
    img.decoding = 'async';
    img.src = `data:${mime};base64,${picture.data}`;
    return img;
  }
  const box = el('div', 'seal-img seal-img-placeholder');
  if (type === 'OFD') bilingual(box, 'OFD格式印模，此处不显示', 'OFD picture');
  else bilingual(box, '无法显示印模', type ? `${type} picture` : 'no picture');
  return box;
}

export function sealTypeText(type) {
  const words = SEAL_TYPE_ZH[type];
  return words ? [`${words[0]}（类型${type}）`, words[1]] : [`类型${type ?? '未知'}`, `type ${type ?? '?'}`];
}

/** The validity badge: [level, zh, en]. */
export function sealValidity(seal) {
  const left = sealDaysLeft(seal);
  if (left < 0) return ['error', '印章已过期', 'Expired'];
  if (left <= SEAL_EXPIRING_DAYS) return ['warning', '印章即将过期', 'Expiring soon'];
  return ['ok', '有效', 'Valid'];
}

function fact(dl, zh, en, value, className) {
  const row = el('div');
  const dt = bilingual(el('dt'), zh, en);
  const dd = el('dd', className, value);
  row.append(dt, dd);
  dl.append(row);
  return dd;
}

/** Words for a seal's warnings (docs/api.md, Seal): [zh, en] each. */
function warningWords(w) {
  if (w.code === 'SEAL_OUTLIVES_CERT') {
    const who = readableSubject(w.cert_subject) || '签名证书';
    const until = localDate(w.cert_not_after);
    const when = w.cert_days_left < 0 ? `已于 ${until} 过期` : `${until} 到期`;
    return [
      `印章绑定的证书“${who}”${when}，早于印章的有效期。证书到期后这枚印章不能再盖章：` +
        '请先办理数字证书延期，再延期印章（电子印章延期前需要先延期数字证书）',
      `the certificate this seal signs with ends on ${until}, before the seal does; renew the certificate first`,
    ];
  }
  if (w.code === 'SEAL_FIELD_UNEXPECTED') {
    return ['印章数据中有不符合标准的内容，印章仍可读取', 'the seal holds data its standard does not allow'];
  }
  return ['印章有一项需要注意的情况', 'a warning about this seal'];
}

function renderWarnings(warnings) {
  const list = el('ul', 'seal-warnings');
  for (const w of warnings || []) {
    const [zh, en] = warningWords(w);
    const item = bilingual(el('li'), zh, en);
    item.dataset.code = w.code || '';
    list.append(item);
  }
  return list;
}

function renderVerification(v) {
  const box = el('div', 'seal-verify');
  const errors = (v && v.errors) || [];
  if (v && v.ok) {
    box.classList.add('seal-verify-ok');
    bilingual(box, '✓ 验证通过', 'verified');
    return box;
  }
  box.classList.add('seal-verify-bad');
  box.append(el('span', 'seal-verify-title', '✗ 验证未通过'));
  const list = el('ul', 'seal-verify-errors');
  for (const code of errors.length ? errors : ['SEAL_INVALID']) {
    const [zh, en] = SEAL_ERROR_ZH[code] || ['印章验证未通过', 'not verified'];
    const item = bilingual(el('li'), zh, en);
    item.dataset.code = code;
    list.append(item);
  }
  box.append(list);
  return box;
}

export function renderSeal(seal) {
  const card = el('article', 'seal');
  card.dataset.sealId = seal.id || '';
  card.dataset.esId = seal.es_id || '';
  if (seal.format === null || seal.format === undefined) {
    card.classList.add('seal-unreadable');
    const body = el('div', 'seal-body');
    body.append(
      bilingual(el('p', 'seal-name'), '无法识别的印章数据', 'unreadable seal object'),
      renderVerification(seal.verification),
      techDetails([['seal id', seal.id], ...Object.entries(seal.verification?.reasons || {})]),
    );
    card.append(sealPicture(null), body);
    return card;
  }
  const [level, zh, en] = sealValidity(seal);
  card.classList.add(`seal-${level}`);
  const left = sealDaysLeft(seal);
  const until = localDate(seal.valid_end);

  const body = el('div', 'seal-body');
  const head = el('header', 'seal-head');
  head.append(el('span', 'seal-name', seal.name || '(无名称)'));
  const badge = bilingual(el('span', `badge badge-${level} seal-badge`), zh, en);
  head.append(badge);

  const expiry = el('p', 'seal-expiry');
  if (left < 0) bilingual(expiry, `有效期到 ${until}，已过期 ${-left} 天`, `valid until ${until}, expired ${-left} days ago`);
  else bilingual(expiry, `有效期到 ${until}，剩余 ${left} 天`, `valid until ${until}, ${left} days left`);

  const facts = el('dl', 'facts facts-compact');
  const [typeZh, typeEn] = sealTypeText(seal.type);
  bilingual(fact(facts, '印章类型', 'Type', '', 'seal-type'), typeZh, typeEn);
  fact(facts, '印章编码', 'esID', seal.es_id || '', 'seal-esid mono');
  fact(facts, '有效期', 'Validity', `${localDate(seal.valid_start)} 至 ${until}`, 'seal-validity');
  const version = seal.header_version !== undefined ? ` 第${seal.header_version}版` : '';
  fact(facts, '格式', 'Format', `${seal.format}${version}`, 'seal-format');
  const maker = seal.maker && seal.maker.subject;
  fact(facts, '制章机构', 'Maker', maker ? readableSubject(maker) || '—' : '—', 'seal-maker');

  const v = seal.verification || {};
  const tech = techDetails([
    ['esID', seal.es_id],
    ['seal id', seal.id],
    ['maker', maker],
    ['verification', (v.errors || []).join(', ') || 'ok'],
    ...Object.entries(v.reasons || {}),
    ...(seal.warnings || []).map((w) => [w.code, JSON.stringify(w)]),
  ]);
  body.append(head, expiry, facts, renderVerification(seal.verification), renderWarnings(seal.warnings), tech);
  card.append(sealPicture(seal.picture), body);
  return card;
}

/** Summary line plus one card per seal. */
export function renderSealList(container, seals) {
  container.dataset.count = String(seals.length);
  const summary = el('p', 'seals-summary');
  const due = seals.filter((s) => s.format && sealValidity(s)[0] !== 'ok').length;
  if (seals.length) {
    summary.append(`当前key里有${seals.length}枚印章`);
    if (due) summary.append(el('span', 'seals-attention', `，其中${due}枚即将过期或已过期，请及时延期`));
    const outlives = seals.filter((s) => (s.warnings || []).some((w) => w.code === 'SEAL_OUTLIVES_CERT')).length;
    if (outlives) summary.append(el('span', 'seals-attention', `；${outlives}枚印章的有效期超过了签名证书，请先延期证书`));
    summary.append(' ', el('span', 'en', `${seals.length} seal(s) on this key${due ? `, ${due} to renew` : ''}`));
  } else {
    bilingual(summary, '当前key里没有印章', 'No seals on this key.');
  }
  container.replaceChildren(summary, ...seals.map(renderSeal));
}
