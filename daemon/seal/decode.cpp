#include "seal/decode.hpp"

#include <optional>
#include <string>

#include "core/error.hpp"
#include "crypto/der.hpp"

namespace sealbridge::seal {
namespace {

namespace der = crypto::der;
namespace tag = der::tag;
using der::tlv;

bytes copy(byte_view v) {
  return {v.begin(), v.end()};
}

// True for an ExtData: SEQUENCE starting with an OID.
bool looks_like_ext_data(const der::reader& r, const tlv& t) {
  if (!t.is(tag::sequence) || !t.constructed) return false;
  auto c = r.children(t);
  return !c.at_end() && c.peek().is(tag::oid);
}

extension decode_ext_data(const der::reader& parent, const tlv& t) {
  if (!t.is(tag::sequence) || !t.constructed) parent.fail("ExtData: expected SEQUENCE", t.offset);
  auto r = parent.children(t);
  extension ext;
  ext.oid = der::to_oid(r, r.expect(tag::oid, "ExtData.extnID"));
  // DEFAULT FALSE should be omitted in DER, yet makers write it explicitly: take both.
  if (!r.at_end() && r.peek().is(tag::boolean)) ext.critical = der::to_bool(r, r.next());
  ext.value = copy(r.expect(tag::octet_string, "ExtData.extnValue").value);
  r.expect_end("ExtData");
  return ext;
}

// ExtensionDatas appears untagged (as GB/T 38540 writes it in SES_SealInfo), as [0] EXPLICIT
// (as in TBS_Sign) and as [0] IMPLICIT; the contents tell which.
std::vector<extension> decode_extensions(const der::reader& parent, const tlv& t) {
  std::vector<extension> out;
  if (!t.constructed) parent.fail("ExtensionDatas: expected a constructed element", t.offset);
  auto r = parent.children(t);
  if (t.is_context(0) && !r.at_end()) {
    tlv first = r.peek();
    if (!looks_like_ext_data(r, first)) {
      tlv inner = r.expect(tag::sequence, "ExtensionDatas");
      r.expect_end("ExtensionDatas");
      return decode_extensions(r, inner);
    }
  } else if (!t.is(tag::sequence) && !t.is_context(0)) {
    parent.fail("ExtensionDatas: unexpected tag", t.offset);
  }
  while (!r.at_end()) out.push_back(decode_ext_data(r, r.next()));
  return out;
}

void decode_header(const der::reader& parent, const tlv& t, seal& s) {
  auto r = parent.children(t);
  if (r.at_end()) r.fail("SES_Header.ID: missing", t.offset);
  const std::string id = der::to_string(r, r.next());
  if (id != "ES") r.fail("SES_Header.ID is not \"ES\"", t.offset);
  s.header_version = der::to_long(r, r.expect(tag::integer, "SES_Header.version"));
  if (r.at_end()) r.fail("SES_Header.Vid: missing", r.offset());
  s.vid = der::to_string(r, r.next());
  r.expect_end("SES_Header");
}

std::string type_name(const tlv& t) {
  if (t.cls == der::tag_class::context) return "[" + std::to_string(t.number) + "]";
  if (t.cls != der::tag_class::universal) return "tag " + std::to_string(t.number);
  switch (t.number) {
    case tag::boolean:
      return "BOOLEAN";
    case tag::integer:
      return "INTEGER";
    case tag::bit_string:
      return "BIT STRING";
    case tag::octet_string:
      return t.constructed ? "constructed OCTET STRING" : "OCTET STRING";
    case tag::null:
      return "NULL";
    case tag::oid:
      return "OBJECT IDENTIFIER";
    case tag::utf8_string:
      return "UTF8String";
    case tag::sequence:
      return "SEQUENCE";
    case tag::set:
      return "SET";
    case tag::numeric_string:
      return "NumericString";
    case tag::printable_string:
      return "PrintableString";
    case tag::t61_string:
      return "T61String";
    case tag::ia5_string:
      return "IA5String";
    case tag::utc_time:
      return "UTCTime";
    case tag::generalized_time:
      return "GeneralizedTime";
    case tag::visible_string:
      return "VisibleString";
    case tag::universal_string:
      return "UniversalString";
    case tag::bmp_string:
      return "BMPString";
    default:
      return "universal tag " + std::to_string(t.number);
  }
}

// One certList entry: a certificate, a CertDigestObj, or (returned) why it is neither.
std::optional<std::string> decode_cert_list_item(const der::reader& r, const tlv& item, seal& s) {
  if (item.is(tag::octet_string) && !item.constructed) {
    s.certs.push_back(copy(item.value));
    return std::nullopt;
  }
  if (!item.is(tag::sequence) || !item.constructed)
    return "neither a certificate (OCTET STRING) nor a CertDigestObj (SEQUENCE)";
  auto c = r.children(item);
  if (c.at_end()) return "an empty SEQUENCE";
  tlv first = c.next();
  if (first.is(tag::sequence)) {
    // A bare Certificate instead of one wrapped in OCTET STRING.
    s.certs.push_back(copy(item.whole));
    return std::nullopt;
  }
  if (!first.is_string()) return "a SEQUENCE that is neither a certificate nor a CertDigestObj";
  // CertDigestObj{type PrintableString, value OCTET STRING}
  if (c.at_end() || !c.peek().is(tag::octet_string) || c.peek().constructed)
    return "a CertDigestObj without its OCTET STRING value";
  cert_digest d{der::to_string(c, first), copy(c.next().value)};
  if (!c.at_end()) return "a CertDigestObj with more than a type and a value";
  s.cert_digests.push_back(std::move(d));
  return std::nullopt;
}

// Vendors put odd things into certList. An entry that is well-formed DER but neither a
// certificate nor a digest is reported (the seal then binds to nothing through it) and the
// rest is read; a malformed encoding anywhere, inside an entry too, still fails the seal.
void decode_cert_list(const der::reader& parent, const tlv& t, seal& s) {
  if (!t.is(tag::sequence) || !t.constructed)
    parent.fail("SES_ESPropertyInfo.certList: expected SEQUENCE", t.offset);
  auto r = parent.children(t);
  while (!r.at_end()) {
    tlv item = r.next();
    if (auto why = decode_cert_list_item(r, item, s)) {
      s.unexpected.push_back({"certList", item.offset, type_name(item),
                              "certList entry at offset " + std::to_string(item.offset) + " is " +
                                  type_name(item) + ": " + *why});
    }
  }
}

void decode_property(const der::reader& parent, const tlv& t, seal& s) {
  auto r = parent.children(t);
  s.type = der::to_long(r, r.expect(tag::integer, "SES_ESPropertyInfo.type"));
  if (r.at_end()) r.fail("SES_ESPropertyInfo.name: missing", r.offset());
  s.name = der::to_string(r, r.next());
  if (r.at_end()) r.fail("SES_ESPropertyInfo.certList: missing", r.offset());
  // GB/T 38540 puts certListType before the list; GM/T 0031 goes straight to the list.
  if (r.peek().is(tag::integer)) {
    tlv type_tlv = r.next();
    s.cert_list_type = der::to_long(r, type_tlv);
    if (s.cert_list_type != 1 && s.cert_list_type != 2)
      r.fail("SES_ESPropertyInfo.certListType must be 1 or 2", type_tlv.offset);
  } else {
    s.cert_list_type = 1;
  }
  if (r.at_end()) r.fail("SES_ESPropertyInfo.certList: missing", r.offset());
  decode_cert_list(r, r.next(), s);
  const auto time_field = [&r](std::string_view what) {
    if (r.at_end()) r.fail(std::string(what) + ": missing", r.offset());
    return der::to_time(r, r.next());
  };
  s.create_date = time_field("SES_ESPropertyInfo.createDate");
  s.valid_start = time_field("SES_ESPropertyInfo.validStart");
  s.valid_end = time_field("SES_ESPropertyInfo.validEnd");
  r.expect_end("SES_ESPropertyInfo");
}

void decode_picture(const der::reader& parent, const tlv& t, seal& s) {
  auto r = parent.children(t);
  if (r.at_end()) r.fail("SES_ESPictrueInfo.type: missing", r.offset());
  s.pic.type = der::to_string(r, r.next());
  s.pic.data = copy(r.expect(tag::octet_string, "SES_ESPictrueInfo.data").value);
  s.pic.width_mm = der::to_long(r, r.expect(tag::integer, "SES_ESPictrueInfo.width"));
  s.pic.height_mm = der::to_long(r, r.expect(tag::integer, "SES_ESPictrueInfo.height"));
  r.expect_end("SES_ESPictrueInfo");
}

void decode_seal_info(const der::reader& parent, const tlv& t, seal& s) {
  auto r = parent.children(t);
  decode_header(r, r.expect(tag::sequence, "SES_Header"), s);
  if (r.at_end()) r.fail("SES_SealInfo.esID: missing", r.offset());
  s.es_id = der::to_string(r, r.next());
  decode_property(r, r.expect(tag::sequence, "SES_ESPropertyInfo"), s);
  decode_picture(r, r.expect(tag::sequence, "SES_ESPictrueInfo"), s);
  if (!r.at_end()) s.extensions = decode_extensions(r, r.next());
  r.expect_end("SES_SealInfo");
}

// The algorithm is an OID; a few GM/T 0031 makers wrap it in an AlgorithmIdentifier.
std::string decode_algorithm(der::reader& r, const tlv& t) {
  if (t.is(tag::sequence) && t.constructed) {
    auto c = r.children(t);
    return der::to_oid(c, c.expect(tag::oid, "AlgorithmIdentifier.algorithm"));
  }
  return der::to_oid(r, t);
}

seal decode_seal_element(const der::reader& parent, const tlv& outer) {
  if (!outer.is(tag::sequence) || !outer.constructed)
    parent.fail("SESeal: expected SEQUENCE", outer.offset);
  std::vector<tlv> fields;
  for (auto r = parent.children(outer); !r.at_end();) fields.push_back(r.next());
  auto r = parent.children(outer);  // for failures and child readers at the right offsets

  seal s;
  s.encoded = copy(outer.whole);
  if (fields.size() == 2 && fields[0].is(tag::sequence) && fields[1].is(tag::sequence)) {
    s.format = seal_format::gmt0031;
    decode_seal_info(r, fields[0], s);
    auto sign_info = r.children(fields[1]);
    tlv cert = sign_info.expect(tag::octet_string, "SES_SignInfo.cert");
    if (sign_info.at_end())
      sign_info.fail("SES_SignInfo.signatureAlgorithm: missing", sign_info.offset());
    tlv alg = sign_info.next();
    s.signature_algorithm = decode_algorithm(sign_info, alg);
    s.signature = copy(der::bit_string_bytes(
        sign_info, sign_info.expect(tag::bit_string, "SES_SignInfo.signData")));
    sign_info.expect_end("SES_SignInfo");
    s.maker_cert = copy(cert.value);
    // GM/T 0031 signs DER(SEQUENCE{SES_SealInfo, cert, signatureAlgorithm}), a structure that
    // never appears in the file: frame the original element bytes with a new header.
    bytes contents = copy(fields[0].whole);
    contents.insert(contents.end(), cert.whole.begin(), cert.whole.end());
    contents.insert(contents.end(), alg.whole.begin(), alg.whole.end());
    s.signed_data = der::element(0x30, contents);
    return s;
  }
  if (fields.size() == 4 && fields[0].is(tag::sequence) && fields[1].is(tag::octet_string) &&
      (fields[2].is(tag::oid) || fields[2].is(tag::sequence)) && fields[3].is(tag::bit_string)) {
    s.format = seal_format::gbt38540;
    decode_seal_info(r, fields[0], s);
    if (fields[1].constructed) r.fail("SESeal.cert: constructed OCTET STRING", fields[1].offset);
    s.maker_cert = copy(fields[1].value);
    s.signature_algorithm = decode_algorithm(r, fields[2]);
    s.signature = copy(der::bit_string_bytes(r, fields[3]));
    // GB/T 38540 signs DER(SES_SealInfo): the original bytes, never a re-encoding.
    s.signed_data = copy(fields[0].whole);
    return s;
  }
  parent.fail("SESeal: neither GB/T 38540 nor GM/T 0031 structure", outer.offset);
}

// GM/T 0031 leaves timeInfo's form open. Seen: the text of a GeneralizedTime or UTCTime,
// "yyyy-MM-dd HH:mm:ss" (ofdrw), and a whole DER time element. Times without a zone are read
// as UTC, as der::to_time does. A time stamp token or other unreadable form leaves time unset:
// the signature still verifies without it.
sys_seconds decode_v1_time(byte_view info) {
  try {
    der::reader inner(info, errc::seal_invalid);
    tlv t = inner.next();
    if (inner.at_end() && (t.is(tag::generalized_time) || t.is(tag::utc_time)))
      return der::to_time(inner, t);
  } catch (const error&) {
  }
  std::string digits;
  for (auto c : info) {
    if (c == '-' || c == ' ' || c == ':' || c == 'T') continue;
    digits += static_cast<char>(c);
  }
  try {
    const bytes element = der::element(digits.size() <= 13 ? 0x17 : 0x18, as_bytes(digits));
    der::reader r(element, errc::seal_invalid);
    return der::to_time(r, r.next());
  } catch (const error&) {
    return sys_seconds{};
  }
}

void decode_tbs_v1(der::reader& tbs, signature_document& doc) {
  doc.time =
      decode_v1_time(der::bit_string_bytes(tbs, tbs.expect(tag::bit_string, "TBS_Sign.timeInfo")));
  doc.data_hash =
      copy(der::bit_string_bytes(tbs, tbs.expect(tag::bit_string, "TBS_Sign.dataHash")));
  if (tbs.at_end()) tbs.fail("TBS_Sign.propertyInfo: missing", tbs.offset());
  doc.property_info = der::to_string(tbs, tbs.next());
  tlv cert = tbs.expect(tag::octet_string, "TBS_Sign.cert");
  doc.signer_cert = copy(cert.value);
  if (tbs.at_end()) tbs.fail("TBS_Sign.signatureAlgorithm: missing", tbs.offset());
  doc.signature_algorithm = decode_algorithm(tbs, tbs.next());
  tbs.expect_end("TBS_Sign");
}

}  // namespace

seal decode_seal(byte_view der) {
  der::reader top(der, errc::seal_invalid);
  tlv outer = top.next();
  if (!top.only_padding_left()) top.fail("SESeal: trailing data", top.offset());
  return decode_seal_element(top, outer);
}

signature_document decode_signature(byte_view der) {
  der::reader top(der, errc::seal_invalid);
  tlv outer = top.expect(tag::sequence, "SES_Signature");
  if (!top.only_padding_left()) top.fail("SES_Signature: trailing data", top.offset());
  std::size_t fields = 0;
  for (auto count = top.children(outer); !count.at_end(); count.next()) ++fields;
  auto r = top.children(outer);
  signature_document doc;

  tlv to_sign = r.expect(tag::sequence, "SES_Signature.toSign");
  doc.signed_data = copy(to_sign.whole);
  auto tbs = r.children(to_sign);
  doc.version = der::to_long(tbs, tbs.expect(tag::integer, "TBS_Sign.version"));
  if (tbs.at_end()) tbs.fail("TBS_Sign.eseal: missing", tbs.offset());
  doc.eseal = decode_seal_element(tbs, tbs.next());
  if (tbs.at_end()) tbs.fail("TBS_Sign.timeInfo: missing", tbs.offset());
  // GM/T 0031 is told apart by its shape (SES_Signature{toSign, signature}), as seals are.
  if (fields == 2) {
    doc.format = seal_format::gmt0031;
    decode_tbs_v1(tbs, doc);
    doc.signature =
        copy(der::bit_string_bytes(r, r.expect(tag::bit_string, "SES_Signature.signature")));
    r.expect_end("SES_Signature");
    return doc;
  }
  doc.time = der::to_time(tbs, tbs.next());
  doc.data_hash =
      copy(der::bit_string_bytes(tbs, tbs.expect(tag::bit_string, "TBS_Sign.dataHash")));
  if (tbs.at_end()) tbs.fail("TBS_Sign.propertyInfo: missing", tbs.offset());
  doc.property_info = der::to_string(tbs, tbs.next());
  if (!tbs.at_end()) doc.extensions = decode_extensions(tbs, tbs.next());
  tbs.expect_end("TBS_Sign");

  tlv cert = r.expect(tag::octet_string, "SES_Signature.cert");
  doc.signer_cert = copy(cert.value);
  if (r.at_end()) r.fail("SES_Signature.signatureAlgID: missing", r.offset());
  doc.signature_algorithm = decode_algorithm(r, r.next());
  doc.signature =
      copy(der::bit_string_bytes(r, r.expect(tag::bit_string, "SES_Signature.signature")));
  if (!r.at_end()) {
    tlv ts = r.next();
    if (!ts.is_context(0)) r.fail("SES_Signature.timeStamp: expected [0]", ts.offset);
    if (ts.constructed) {
      auto c = r.children(ts);
      doc.time_stamp = copy(der::bit_string_bytes(c, c.expect(tag::bit_string, "timeStamp")));
      c.expect_end("timeStamp");
    } else {
      doc.time_stamp = copy(ts.value);  // [0] IMPLICIT BIT STRING
      if (!doc.time_stamp.empty()) doc.time_stamp.erase(doc.time_stamp.begin());
    }
  }
  r.expect_end("SES_Signature");
  return doc;
}

}  // namespace sealbridge::seal
