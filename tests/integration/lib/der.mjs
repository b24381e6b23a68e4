// A minimal DER walker for tests: enough to take SES_Signature and CMS apart and hand the
// exact signed bytes to outside verifiers. Definite lengths only, as DER requires.
export function readTlv(buf, offset = 0) {
  const tag = buf[offset];
  let len = buf[offset + 1];
  let header = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[offset + 2 + i];
    header = 2 + n;
  }
  return {
    tag,
    start: offset,
    contentStart: offset + header,
    end: offset + header + len,
    bytes: buf.subarray(offset, offset + header + len),
    content: buf.subarray(offset + header, offset + header + len),
  };
}

// The TLVs directly inside a constructed value.
export function children(tlv, buf) {
  const out = [];
  for (let at = tlv.contentStart; at < tlv.end;) {
    const child = readTlv(buf, at);
    out.push(child);
    at = child.end;
  }
  return out;
}
