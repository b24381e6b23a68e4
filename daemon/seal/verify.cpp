#include "seal/verify.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>

#include "crypto/cert_info.hpp"
#include "crypto/sm2.hpp"
#include "crypto/x509_verify.hpp"

namespace sealbridge::seal {
namespace {

bool signature_valid(byte_view cert_der, std::string_view alg_oid, byte_view data, byte_view sig) {
  const auto scheme = crypto::scheme_from_oid(alg_oid);
  if (!scheme) return false;
  crypto::x509_ptr cert;
  try {
    cert = crypto::load_certificate(cert_der);
  } catch (const error&) {
    return false;
  }
  crypto::evp_pkey_ptr key{X509_get_pubkey(cert.get())};
  ERR_clear_error();
  return key && crypto::verify_message(key.get(), *scheme, data, sig);
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

// Digest names as makers write them ("SM3", "sha256", "SHA-256", "sha1") to OpenSSL's.
const EVP_MD* digest_by_label(std::string label) {
  label = upper(label);
  label.erase(std::remove(label.begin(), label.end(), '-'), label.end());
  if (label == "SM3") return EVP_sm3();
  if (label == "SHA256") return EVP_sha256();
  if (label == "SHA1") return EVP_sha1();
  if (label == "SHA384") return EVP_sha384();
  if (label == "SHA512") return EVP_sha512();
  return nullptr;
}

bool same_certificate(byte_view a, byte_view b) {
  if (std::equal(a.begin(), a.end(), b.begin(), b.end())) return true;
  // The same certificate may be stored with a different outer encoding (e.g. PEM on the key).
  try {
    auto ca = crypto::load_certificate(a);
    auto cb = crypto::load_certificate(b);
    return X509_cmp(ca.get(), cb.get()) == 0;
  } catch (const error&) {
    return false;
  }
}

bool bound(const seal& s, const std::vector<bytes>& key_certs) {
  return std::any_of(key_certs.begin(), key_certs.end(),
                     [&](const bytes& key_cert) { return binds_to(s, key_cert); });
}

std::string not_bound_reason(const seal& s, const verify_options& options) {
  std::string why = options.key_certificates_der.empty()
                        ? "no certificate of a key to compare the certList with"
                        : "no certificate of the key is in the certList";
  for (const auto& odd : s.unexpected) {
    if (odd.field == "certList") why += "; " + odd.reason;
  }
  return why;
}

}  // namespace

bool binds_to(const seal& s, byte_view certificate_der) {
  for (const auto& c : s.certs)
    if (same_certificate(c, certificate_der)) return true;
  for (const auto& d : s.cert_digests) {
    const EVP_MD* md = digest_by_label(d.algorithm);
    if (md == nullptr) continue;
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(certificate_der.data(), certificate_der.size(), out, &len, md, nullptr) == 1 &&
        std::equal(out, out + len, d.value.begin(), d.value.end()))
      return true;
  }
  return false;
}

bool maker_signature_valid(const seal& s) {
  return signature_valid(s.maker_cert, s.signature_algorithm, s.signed_data, s.signature);
}

verification verify_seal(const seal& s, const verify_options& options) {
  verification v;
  auto note = [&v](errc code, const std::string& why) {
    v.errors.push_back(code);
    v.reasons.push_back(why);
    if (!v.detail.empty()) v.detail += "; ";
    v.detail += why;
  };

  v.maker_signature_valid = maker_signature_valid(s);
  if (!v.maker_signature_valid) note(errc::seal_invalid, "maker signature does not verify");

  if (options.trusted_maker_roots_der.empty()) {
    note(errc::seal_untrusted, "no trusted seal-maker root configured");
  } else {
    auto chain =
        crypto::verify_certificate(s.maker_cert, options.trusted_maker_roots_der, {}, options.at);
    v.maker_trusted = chain.ok;
    if (!chain.ok) note(errc::seal_untrusted, "maker certificate: " + chain.reason);
  }

  v.bound_to_key = bound(s, options.key_certificates_der);
  if (!v.bound_to_key) note(errc::seal_not_bound, not_bound_reason(s, options));

  v.in_validity = s.valid_start <= options.at && options.at <= s.valid_end;
  if (!v.in_validity)
    note(errc::seal_expired,
         "valid " + to_iso8601(s.valid_start) + " to " + to_iso8601(s.valid_end));
  return v;
}

maker_info describe_maker(const seal& s) {
  const auto info = crypto::parse_certificate(s.maker_cert);
  return {info.subject, info.issuer, info.serial_hex, info.not_after};
}

bool is_newer(const seal& candidate, const seal& existing) {
  if (candidate.valid_end != existing.valid_end) return candidate.valid_end > existing.valid_end;
  return candidate.create_date > existing.create_date;
}

bool verify_signature_document(const signature_document& doc) {
  return signature_valid(doc.signer_cert, doc.signature_algorithm, doc.signed_data, doc.signature);
}

}  // namespace sealbridge::seal
