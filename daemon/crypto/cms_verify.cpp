#include "crypto/cms_verify.hpp"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>

#include "core/error.hpp"
#include "crypto/cert_info.hpp"
#include "crypto/cms_common.hpp"
#include "crypto/der.hpp"
#include "crypto/sm2.hpp"
#include "crypto/x509_verify.hpp"

namespace sealbridge::crypto {
namespace {

namespace tag = der::tag;
using cms::key_kind;
using der::tlv;

constexpr errc kFail = errc::signature_invalid;
// More certificates than any real chain has; beyond it the input is treated as hostile.
constexpr std::size_t kMaxCertificates = 64;

using x509_name_ptr = std::unique_ptr<X509_NAME, openssl_deleter<X509_NAME_free>>;

struct digest_choice {
  const EVP_MD* md = nullptr;
  std::string_view name;
};

std::optional<digest_choice> digest_by_oid(std::string_view oid) {
  // SHA-1 only to read old signatures (2000s PDFs), never to make new ones.
  if (oid == "1.3.14.3.2.26") return digest_choice{EVP_sha1(), "SHA-1"};
  if (auto alg = digest_from_oid(oid)) return digest_choice{evp_md(*alg), digest_name(*alg)};
  return std::nullopt;
}

struct signature_choice {
  key_kind kind = key_kind::rsa;
  const EVP_MD* md = nullptr;  // null: the SignerInfo's digestAlgorithm
};

std::optional<signature_choice> signature_by_oid(std::string_view oid) {
  if (oid == cms::oid_rsa_encryption) return signature_choice{key_kind::rsa, nullptr};
  if (oid == "1.2.840.113549.1.1.5") return signature_choice{key_kind::rsa, EVP_sha1()};
  if (oid == "1.2.840.113549.1.1.11") return signature_choice{key_kind::rsa, EVP_sha256()};
  if (oid == "1.2.840.113549.1.1.12") return signature_choice{key_kind::rsa, EVP_sha384()};
  if (oid == "1.2.840.113549.1.1.13") return signature_choice{key_kind::rsa, EVP_sha512()};
  // Some signers write the key's algorithm where the signature's belongs.
  if (oid == cms::oid_ec_public_key) return signature_choice{key_kind::ec, nullptr};
  if (oid == "1.2.840.10045.4.1") return signature_choice{key_kind::ec, EVP_sha1()};
  if (oid == "1.2.840.10045.4.3.2") return signature_choice{key_kind::ec, EVP_sha256()};
  if (oid == "1.2.840.10045.4.3.3") return signature_choice{key_kind::ec, EVP_sha384()};
  if (oid == "1.2.840.10045.4.3.4") return signature_choice{key_kind::ec, EVP_sha512()};
  // SM2-with-SM3, and the bare SM2 / SM2-1 identifiers that GM/T 0010 vendors write instead.
  if (scheme_from_oid(oid) == sig_scheme::sm2_sm3) return signature_choice{key_kind::sm2, nullptr};
  return std::nullopt;
}

std::string_view kind_name(key_kind kind) {
  switch (kind) {
    case key_kind::rsa:
      return "RSA";
    case key_kind::ec:
      return "ECDSA";
    case key_kind::sm2:
      break;
  }
  return "SM2";
}

// AlgorithmIdentifier{OID, parameters OPTIONAL}; the OID alone is tolerated.
std::string read_algorithm(der::reader& r, std::string_view what) {
  if (r.at_end()) r.fail(std::string(what) + ": missing", r.offset());
  tlv t = r.next();
  if (t.is(tag::oid)) return der::to_oid(r, t);
  if (!t.is(tag::sequence) || !t.constructed)
    r.fail(std::string(what) + ": expected SEQUENCE", t.offset);
  auto c = r.children(t);
  return der::to_oid(c, c.expect(tag::oid, what));
}

struct signer_info {
  bool by_key_id = false;
  byte_view issuer, serial, key_id;
  std::string digest_oid;
  std::optional<tlv> signed_attrs;
  std::string signature_oid;
  byte_view signature;
};

struct signed_data {
  std::string content_type;
  std::optional<bytes> content;
  std::vector<byte_view> certs;
  signer_info signer;
};

bytes octet_string_contents(const der::reader& r, const tlv& t) {
  if (!t.is(tag::octet_string)) r.fail("eContent: expected OCTET STRING", t.offset);
  if (!t.constructed) return {t.value.begin(), t.value.end()};
  // BER constructed form, one level of primitive segments: what some PKCS#7 writers emit.
  bytes out;
  for (auto c = r.children(t); !c.at_end();) {
    tlv part = c.next();
    if (!part.is(tag::octet_string) || part.constructed)
      c.fail("eContent: bad segment", part.offset);
    out.insert(out.end(), part.value.begin(), part.value.end());
  }
  return out;
}

signer_info read_signer_info(const der::reader& parent, const tlv& t) {
  if (!t.is(tag::sequence) || !t.constructed)
    parent.fail("SignerInfo: expected SEQUENCE", t.offset);
  auto r = parent.children(t);
  signer_info si;
  der::to_long(r, r.expect(tag::integer, "SignerInfo.version"));
  if (r.at_end()) r.fail("SignerInfo.sid: missing", r.offset());
  tlv sid = r.next();
  if (sid.is(tag::sequence) && sid.constructed) {
    auto c = r.children(sid);
    si.issuer = c.expect(tag::sequence, "issuerAndSerialNumber.issuer").whole;
    si.serial = c.expect(tag::integer, "issuerAndSerialNumber.serialNumber").whole;
    c.expect_end("issuerAndSerialNumber");
  } else if (sid.is_context(0) && !sid.constructed) {
    si.by_key_id = true;
    si.key_id = sid.value;
  } else {
    r.fail("SignerInfo.sid: unexpected element", sid.offset);
  }
  si.digest_oid = read_algorithm(r, "SignerInfo.digestAlgorithm");
  if (!r.at_end() && r.peek().is_context(0)) {
    si.signed_attrs = r.next();
    if (!si.signed_attrs->constructed)
      r.fail("signedAttrs: expected constructed", si.signed_attrs->offset);
  }
  si.signature_oid = read_algorithm(r, "SignerInfo.signatureAlgorithm");
  si.signature = r.expect(tag::octet_string, "SignerInfo.signature").value;
  if (!r.at_end() && r.peek().is_context(1)) r.next();  // unsignedAttrs (e.g. a timestamp)
  r.expect_end("SignerInfo");
  return si;
}

signed_data read_signed_data(byte_view input) {
  der::reader top(input, kFail);
  tlv outer = top.expect(tag::sequence, "ContentInfo");
  // PDF /Contents is zero-padded after the DER.
  if (!top.only_padding_left()) top.fail("ContentInfo: trailing data", top.offset());
  auto ci = top.children(outer);
  const std::string type = der::to_oid(ci, ci.expect(tag::oid, "ContentInfo.contentType"));
  if (type != cms::oid_signed_data && type != cms::oid_gm_signed_data)
    ci.fail("ContentInfo: not SignedData (" + type + ")", outer.offset);
  if (ci.at_end()) ci.fail("ContentInfo.content: missing", ci.offset());
  tlv explicit0 = ci.next();
  if (!explicit0.is_context(0)) ci.fail("ContentInfo.content: expected [0]", explicit0.offset);
  ci.expect_end("ContentInfo");
  auto wrap = ci.children(explicit0);
  tlv sd_tlv = wrap.expect(tag::sequence, "SignedData");
  wrap.expect_end("ContentInfo.content");

  auto sd = wrap.children(sd_tlv);
  signed_data out;
  der::to_long(sd, sd.expect(tag::integer, "SignedData.version"));
  sd.expect(tag::set, "SignedData.digestAlgorithms");
  tlv encap = sd.expect(tag::sequence, "SignedData.encapContentInfo");
  {
    auto e = sd.children(encap);
    out.content_type = der::to_oid(e, e.expect(tag::oid, "eContentType"));
    if (!e.at_end()) {
      tlv ec = e.next();
      if (!ec.is_context(0) || !ec.constructed) e.fail("eContent: expected [0]", ec.offset);
      auto c = e.children(ec);
      if (c.at_end()) c.fail("eContent: empty", ec.offset);
      out.content = octet_string_contents(c, c.next());
      c.expect_end("eContent");
    }
    e.expect_end("encapContentInfo");
  }
  if (!sd.at_end() && sd.peek().is_context(0)) {
    tlv certs = sd.next();
    for (auto c = sd.children(certs); !c.at_end();) {
      tlv cert = c.next();
      // Other CertificateChoices (attribute certificates) are tagged [1]..[3]: not ours.
      if (!cert.is(tag::sequence)) continue;
      if (out.certs.size() == kMaxCertificates) c.fail("too many certificates", cert.offset);
      out.certs.push_back(cert.whole);
    }
  }
  if (!sd.at_end() && sd.peek().is_context(1)) sd.next();  // crls
  tlv infos = sd.expect(tag::set, "SignedData.signerInfos");
  sd.expect_end("SignedData");
  auto si = sd.children(infos);
  if (si.at_end()) si.fail("SignedData: no SignerInfo", infos.offset);
  out.signer = read_signer_info(si, si.next());
  return out;
}

bool same_name(byte_view a, byte_view b) {
  if (std::equal(a.begin(), a.end(), b.begin(), b.end())) return true;
  const unsigned char* pa = a.data();
  const unsigned char* pb = b.data();
  x509_name_ptr na{d2i_X509_NAME(nullptr, &pa, static_cast<long>(a.size()))};
  x509_name_ptr nb{d2i_X509_NAME(nullptr, &pb, static_cast<long>(b.size()))};
  ERR_clear_error();
  return na && nb && X509_NAME_cmp(na.get(), nb.get()) == 0;
}

std::optional<std::size_t> find_signer(const signed_data& sd) {
  for (std::size_t i = 0; i < sd.certs.size(); ++i) {
    try {
      if (sd.signer.by_key_id) {
        auto cert = load_certificate(sd.certs[i]);
        const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(cert.get());
        ERR_clear_error();
        if (ski != nullptr &&
            std::equal(sd.signer.key_id.begin(), sd.signer.key_id.end(), ASN1_STRING_get0_data(ski),
                       ASN1_STRING_get0_data(ski) + ASN1_STRING_length(ski)))
          return i;
        continue;
      }
      const auto ids = cms::read_issuer_serial(sd.certs[i], kFail);
      if (std::equal(ids.serial.begin(), ids.serial.end(), sd.signer.serial.begin(),
                     sd.signer.serial.end()) &&
          same_name(ids.issuer, sd.signer.issuer))
        return i;
    } catch (const error&) {
      continue;
    }
  }
  return std::nullopt;
}

struct attributes {
  std::optional<std::string> content_type;
  std::optional<bytes> message_digest;
  std::optional<sys_seconds> signing_time;
  std::optional<tlv> signing_certificate;  // the attribute's value
  bool signing_certificate_v2 = false;
};

attributes read_attributes(const der::reader& parent, const tlv& set) {
  attributes out;
  for (auto r = parent.children(set); !r.at_end();) {
    tlv attr = r.next();
    if (!attr.is(tag::sequence) || !attr.constructed)
      r.fail("Attribute: expected SEQUENCE", attr.offset);
    auto a = r.children(attr);
    const std::string type = der::to_oid(a, a.expect(tag::oid, "Attribute.attrType"));
    tlv values = a.expect(tag::set, "Attribute.attrValues");
    auto v = a.children(values);
    if (v.at_end()) v.fail("Attribute: no value", values.offset);
    tlv value = v.next();
    if (type == cms::oid_content_type) {
      out.content_type = der::to_oid(v, value);
    } else if (type == cms::oid_message_digest) {
      if (!value.is(tag::octet_string) || value.constructed)
        v.fail("messageDigest: expected OCTET STRING", value.offset);
      out.message_digest = bytes(value.value.begin(), value.value.end());
    } else if (type == cms::oid_signing_time) {
      out.signing_time = der::to_time(v, value);
    } else if (type == cms::oid_signing_certificate_v2 || type == cms::oid_signing_certificate) {
      out.signing_certificate = value;
      out.signing_certificate_v2 = type == cms::oid_signing_certificate_v2;
    }
  }
  return out;
}

// The first ESSCertID(v2) names the signing certificate by its hash (RFC 2634, RFC 5035).
bool signing_certificate_matches(const tlv& value, bool v2, byte_view cert_der) {
  try {
    der::reader top(value.whole, kFail);
    auto sc = top.children(top.expect(tag::sequence, "SigningCertificate"));
    auto ids = sc.children(sc.expect(tag::sequence, "SigningCertificate.certs"));
    auto id = ids.children(ids.expect(tag::sequence, "ESSCertID"));
    const EVP_MD* md = v2 ? EVP_sha256() : EVP_sha1();
    if (v2 && !id.at_end() && id.peek().is(tag::sequence)) {
      auto alg = id.children(id.next());
      const auto choice = digest_by_oid(der::to_oid(alg, alg.expect(tag::oid, "hashAlgorithm")));
      if (!choice) return false;
      md = choice->md;
    }
    const auto hash = id.expect(tag::octet_string, "certHash").value;
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(cert_der.data(), cert_der.size(), out, &len, md, nullptr) != 1) return false;
    return std::equal(hash.begin(), hash.end(), out, out + len);
  } catch (const error&) {
    return false;
  }
}

// Streams the content into a verification context: for SignerInfos without signed attributes,
// whose signature covers the content itself (possibly a whole PDF).
class content_verifier {
 public:
  content_verifier(EVP_PKEY* key, key_kind kind, const EVP_MD* md)
      : ctx_(EVP_MD_CTX_new()), kind_(kind) {
    EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx_
    const EVP_MD* use = kind == key_kind::sm2 ? EVP_sm3() : md;
    ok_ = ctx_ && use != nullptr && EVP_DigestVerifyInit(ctx_.get(), &pctx, use, nullptr, key) == 1;
    if (ok_ && kind == key_kind::sm2)
      ok_ = EVP_PKEY_CTX_set1_id(pctx, sm2_default_id.data(),
                                 static_cast<int>(sm2_default_id.size())) > 0;
  }
  void update(byte_view data) {
    if (ok_) ok_ = EVP_DigestVerifyUpdate(ctx_.get(), data.data(), data.size()) == 1;
  }
  bool finish(byte_view signature) {
    bytes sig(signature.begin(), signature.end());
    if (kind_ != key_kind::rsa && !sig.empty() && sig[0] != 0x30 && sig.size() % 2 == 0 &&
        sig.size() <= 132) {
      try {
        sig = ec_raw_to_der(sig);
      } catch (const error&) {
        ok_ = false;
      }
    }
    const bool valid = ok_ && EVP_DigestVerifyFinal(ctx_.get(), sig.data(), sig.size()) == 1;
    ERR_clear_error();
    return valid;
  }

 private:
  evp_md_ctx_ptr ctx_;
  key_kind kind_;
  bool ok_ = false;
};

}  // namespace

cms_verification verify_signed_data(byte_view cms_der, const content_feeder& feed_content,
                                    const std::vector<bytes>& trusted_roots_der,
                                    std::chrono::system_clock::time_point at) {
  const signed_data sd = read_signed_data(cms_der);
  cms_verification v;
  auto note = [&v](std::string_view code, const std::string& why) {
    if (std::find(v.errors.begin(), v.errors.end(), code) == v.errors.end())
      v.errors.emplace_back(code);
    if (!v.detail.empty()) v.detail += "; ";
    v.detail += why;
  };

  std::optional<attributes> attrs;
  std::optional<bytes> attrs_as_set;
  if (sd.signer.signed_attrs) {
    der::reader r(cms_der, kFail);
    attrs = read_attributes(r, *sd.signer.signed_attrs);
    // The signature covers the attributes as a SET OF: the original bytes, retagged.
    attrs_as_set =
        bytes(sd.signer.signed_attrs->whole.begin(), sd.signer.signed_attrs->whole.end());
    (*attrs_as_set)[0] = 0x31;
    if (attrs->signing_time) v.signing_time = *attrs->signing_time;
  }

  const auto digest = digest_by_oid(sd.signer.digest_oid);
  if (digest)
    v.digest_algorithm = digest->name;
  else
    note("UNSUPPORTED_ALGORITHM", "digest algorithm " + sd.signer.digest_oid);
  auto signature = signature_by_oid(sd.signer.signature_oid);
  if (!signature) note("UNSUPPORTED_ALGORITHM", "signature algorithm " + sd.signer.signature_oid);

  const auto index = find_signer(sd);
  if (!index) {
    note("SIGNER_NOT_FOUND", "no embedded certificate matches the SignerInfo");
    return v;
  }
  v.signer_cert_der.assign(sd.certs[*index].begin(), sd.certs[*index].end());
  try {
    v.signer_subject = parse_certificate(v.signer_cert_der).subject;
  } catch (const error&) {
  }
  x509_ptr cert;
  evp_pkey_ptr key;
  std::optional<key_kind> kind;
  try {
    cert = load_certificate(v.signer_cert_der);
    key.reset(X509_get_pubkey(cert.get()));
    ERR_clear_error();
    if (key) kind = cms::kind_of(key.get());
  } catch (const error& e) {
    note("UNSUPPORTED_ALGORITHM", "signer certificate: " + e.detail());
  }
  if (signature && kind && signature->kind != *kind) {
    // An SM2 key under an EC identifier with SM3 is still an SM2 signature.
    if (*kind == key_kind::sm2 && signature->kind == key_kind::ec && digest &&
        digest->md == EVP_sm3()) {
      signature->kind = key_kind::sm2;
    } else {
      note("UNSUPPORTED_ALGORITHM", "signature algorithm " + sd.signer.signature_oid +
                                        " does not fit the " + std::string(kind_name(*kind)) +
                                        " key");
      signature.reset();
    }
  }
  if (kind) v.signature_algorithm = kind_name(*kind);
  const EVP_MD* signature_md =
      signature && signature->md ? signature->md : (digest ? digest->md : nullptr);

  // One pass over the content: its digest, and the signature itself when it covers the content.
  std::optional<content_verifier> direct;
  if (!attrs && signature && key) direct.emplace(key.get(), signature->kind, signature_md);
  evp_md_ctx_ptr hash{EVP_MD_CTX_new()};
  bool hash_ok = digest && hash && EVP_DigestInit_ex(hash.get(), digest->md, nullptr) == 1;
  const auto sink = [&](byte_view chunk) {
    if (hash_ok) hash_ok = EVP_DigestUpdate(hash.get(), chunk.data(), chunk.size()) == 1;
    if (direct) direct->update(chunk);
  };
  bool have_content = true;
  if (feed_content) {
    feed_content(sink);
  } else if (sd.content) {
    sink(*sd.content);
  } else {
    have_content = false;
    note("NO_CONTENT", "detached signature and no content given");
  }
  bytes content_digest;
  if (have_content && hash_ok) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(hash.get(), out, &len) == 1) content_digest.assign(out, out + len);
  }
  ERR_clear_error();

  if (attrs) {
    if (attrs->content_type && *attrs->content_type != sd.content_type)
      note("CONTENT_TYPE_MISMATCH", "contentType attribute differs from eContentType");
    if (!attrs->message_digest) {
      note("MESSAGE_DIGEST_MISSING", "no messageDigest attribute");
    } else if (have_content && !content_digest.empty()) {
      v.digest_matches = *attrs->message_digest == content_digest;
      if (!v.digest_matches)
        note("DIGEST_MISMATCH", "messageDigest differs from the content's digest");
    }
    if (attrs->signing_certificate &&
        !signing_certificate_matches(*attrs->signing_certificate, attrs->signing_certificate_v2,
                                     v.signer_cert_der))
      note("SIGNING_CERTIFICATE_MISMATCH",
           "signing-certificate attribute names another certificate");
    if (signature && key)
      v.signature_valid = cms::verify_with(key.get(), signature->kind, signature_md, *attrs_as_set,
                                           sd.signer.signature);
  } else if (direct && have_content) {
    // Without signed attributes the signature is over the content: it is the digest check too.
    v.signature_valid = direct->finish(sd.signer.signature);
    v.digest_matches = v.signature_valid;
    if (!v.digest_matches)
      note("DIGEST_MISMATCH", "the signature over the content does not verify");
  }
  if (!v.signature_valid && signature && key && (attrs || have_content))
    note("SIGNATURE_INVALID", "the signer's signature does not verify");

  if (trusted_roots_der.empty()) {
    note("UNTRUSTED", "no trusted root given");
  } else {
    std::vector<bytes> others;
    for (std::size_t i = 0; i < sd.certs.size(); ++i)
      if (i != *index) others.emplace_back(sd.certs[i].begin(), sd.certs[i].end());
    const auto chain = verify_certificate(v.signer_cert_der, trusted_roots_der, others,
                                          std::chrono::floor<std::chrono::seconds>(at));
    v.chain_trusted = chain.ok;
    if (!chain.ok) note("UNTRUSTED", "signer certificate: " + chain.reason);
  }
  return v;
}

cms_verification verify_signed_data(byte_view cms_der, byte_view content,
                                    const std::vector<bytes>& trusted_roots_der,
                                    std::chrono::system_clock::time_point at) {
  return verify_signed_data(
      cms_der, [content](const std::function<void(byte_view)>& sink) { sink(content); },
      trusted_roots_der, at);
}

}  // namespace sealbridge::crypto
