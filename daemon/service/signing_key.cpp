#include "service/signing_key.hpp"

#include <openssl/ec.h>
#include <openssl/x509.h>

#include <array>
#include <optional>

#include "core/error.hpp"
#include "crypto/sm2.hpp"
#include "crypto/x509_verify.hpp"
#include "pkcs11/keys.hpp"
#include "pkcs11/objects.hpp"

namespace sealbridge::service {
namespace {

std::size_t ec_field_bytes_of(EVP_PKEY* key) {
  int bits = EVP_PKEY_get_bits(key);
  if (bits <= 0) throw error(errc::cert_invalid, "the certificate's EC key size is unreadable");
  return static_cast<std::size_t>((bits + 7) / 8);
}

CK_MECHANISM_TYPE pkcs11_hash(crypto::digest_alg digest) {
  switch (digest) {
    case crypto::digest_alg::sha256:
      return CKM_SHA256;
    case crypto::digest_alg::sha384:
      return CKM_SHA384;
    case crypto::digest_alg::sha512:
      return CKM_SHA512;
    case crypto::digest_alg::sm3:
      break;
  }
  throw error(errc::bad_params, "RSA signatures take SHA-256, SHA-384 or SHA-512");
}

CK_RSA_PKCS_MGF_TYPE pkcs11_mgf(crypto::digest_alg digest) {
  switch (digest) {
    case crypto::digest_alg::sha256:
      return CKG_MGF1_SHA256;
    case crypto::digest_alg::sha384:
      return CKG_MGF1_SHA384;
    case crypto::digest_alg::sha512:
      return CKG_MGF1_SHA512;
    case crypto::digest_alg::sm3:
      break;
  }
  throw error(errc::bad_params, "RSA-PSS takes SHA-256, SHA-384 or SHA-512");
}

void require_family(const signer_certificate& cert, key_family family, std::string_view what) {
  if (cert.family != family)
    throw error(errc::bad_params, std::string(what) + " needs a " +
                                      (family == key_family::rsa  ? "RSA"
                                       : family == key_family::ec ? "EC"
                                                                  : "SM2") +
                                      " certificate; this one is " + cert.info.key_type);
}

class pkcs11_signing_key final : public signing_key {
 public:
  pkcs11_signing_key(pkcs11::session& session, const sm2_profile& sm2, signer_certificate cert,
                     CK_OBJECT_HANDLE private_key)
      : session_(session), sm2_(sm2), cert_(std::move(cert)), private_key_(private_key) {}

  const signer_certificate& certificate() const override { return cert_; }

  bytes sign_rsa(crypto::digest_alg digest, byte_view hash, rsa_padding padding) override {
    require_family(cert_, key_family::rsa, "an RSA signature");
    if (hash.size() != crypto::digest_size(digest))
      throw error(errc::bad_params, "the hash is not as long as " +
                                        std::string(crypto::digest_name(digest)) + " requires");
    if (padding == rsa_padding::pkcs1) {
      // CKM_RSA_PKCS signs what it is given: the DigestInfo names the hash for the verifier.
      CK_MECHANISM mechanism{CKM_RSA_PKCS, nullptr, 0};
      return session_.sign(mechanism, private_key_, crypto::rsa_digest_info(digest, hash));
    }
    CK_RSA_PKCS_PSS_PARAMS params{pkcs11_hash(digest), pkcs11_mgf(digest),
                                  static_cast<CK_ULONG>(hash.size())};
    CK_MECHANISM mechanism{CKM_RSA_PKCS_PSS, &params, sizeof params};
    return session_.sign(mechanism, private_key_, hash);
  }

  bytes sign_ecdsa(byte_view hash) override {
    require_family(cert_, key_family::ec, "an ECDSA signature");
    // Plain CKM_ECDSA is the mechanism every EC token has; it signs a digest made here.
    CK_MECHANISM mechanism{CKM_ECDSA, nullptr, 0};
    auto raw = session_.sign(mechanism, private_key_, hash);
    if (raw.size() != 2 * cert_.ec_field_bytes)
      throw error(errc::pkcs11_error, "the key returned an ECDSA signature of " +
                                          std::to_string(raw.size()) + " bytes");
    return raw;
  }

  bytes sign_sm2(byte_view message) override {
    require_family(cert_, key_family::sm2, "an SM2 signature");
    if (sm2_.sign_takes_digest) return sign_sm2_digest(sm2_e(message));
    std::string user_id(crypto::sm2_default_id);
    CK_MECHANISM mechanism{sm2_.sign_mechanism, user_id.data(),
                           static_cast<CK_ULONG>(user_id.size())};
    return as_der(session_.sign(mechanism, private_key_, message));
  }

  bytes sign_sm2_digest(byte_view e) override {
    require_family(cert_, key_family::sm2, "an SM2 signature");
    if (!sm2_.sign_takes_digest)
      throw error(errc::not_supported,
                  "this key's driver computes SM3(Z||M) itself: send the message as data");
    if (e.size() != 32) throw error(errc::bad_params, "an SM3 hash is 32 bytes");
    CK_MECHANISM mechanism{sm2_.sign_mechanism, nullptr, 0};
    return as_der(session_.sign(mechanism, private_key_, e));
  }

 private:
  bytes sm2_e(byte_view message) const {
    auto cert = crypto::load_certificate(cert_.der);
    return crypto::sm2_e(X509_get0_pubkey(cert.get()), message);
  }

  bytes as_der(bytes signature) const {
    return sm2_.raw_signature ? crypto::ec_raw_to_der(signature) : signature;
  }

  pkcs11::session& session_;
  sm2_profile sm2_;
  signer_certificate cert_;
  CK_OBJECT_HANDLE private_key_;
};

}  // namespace

namespace {

// The DER of the X.509 certificate whose CKA_ID is `id`, found by a search on the key rather than
// by reading every certificate: each signature starts here, and on a USB key every attribute
// read is a round trip (bench/: ~20 PKCS#11 calls fewer per signature with three certificates).
std::optional<bytes> certificate_with_id(const pkcs11::session& session, byte_view id) {
  if (id.empty()) return std::nullopt;
  CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
  CK_CERTIFICATE_TYPE type = CKC_X_509;
  const std::array tmpl{
      CK_ATTRIBUTE{CKA_CLASS, &cls, sizeof cls},
      CK_ATTRIBUTE{CKA_CERTIFICATE_TYPE, &type, sizeof type},
      CK_ATTRIBUTE{CKA_ID, const_cast<std::uint8_t*>(id.data()), static_cast<CK_ULONG>(id.size())}};
  for (const CK_OBJECT_HANDLE h : session.find(tmpl)) {
    auto der = session.attribute(h, CKA_VALUE);
    if (der && !der->empty()) return std::move(*der);
  }
  return std::nullopt;
}

}  // namespace

signer_certificate find_signer_certificate(const pkcs11::session& session, byte_view id) {
  auto direct = certificate_with_id(session, id);
  std::vector<pkcs11::certificate_object> scanned;
  if (direct) {
    scanned.emplace_back();
    scanned.back().id = bytes(id.begin(), id.end());
    scanned.back().der = std::move(*direct);
  } else {
    // Keys that match CKA_ID in templates badly (or an empty id) still get the full scan.
    scanned = pkcs11::find_certificates(session);
  }
  for (auto& object : scanned) {
    if (!std::equal(object.id.begin(), object.id.end(), id.begin(), id.end())) continue;
    signer_certificate out;
    out.id = bytes(id.begin(), id.end());
    out.info = crypto::parse_certificate(object.der);
    out.der = std::move(object.der);
    auto cert = crypto::load_certificate(out.der);
    EVP_PKEY* key = X509_get0_pubkey(cert.get());
    if (key == nullptr) throw error(errc::cert_invalid, "the certificate's key is unreadable");
    if (out.info.key_type == "RSA") {
      out.family = key_family::rsa;
    } else if (out.info.key_type == "SM2") {
      out.family = key_family::sm2;
      out.ec_field_bytes = 32;
    } else if (out.info.key_type == "EC") {
      out.family = key_family::ec;
      out.ec_field_bytes = ec_field_bytes_of(key);
    } else {
      throw error(errc::not_supported, "cannot sign with a " + out.info.key_type + " key");
    }
    return out;
  }
  throw error(errc::object_not_found, "no certificate with id " + to_hex(id) + " on the key");
}

std::unique_ptr<signing_key> open_signing_key(pkcs11::session& session, const sm2_profile& sm2,
                                              signer_certificate certificate,
                                              std::optional<CK_OBJECT_HANDLE>& known_key) {
  if (!known_key) {
    known_key = pkcs11::find_private_key(session, certificate.id);
    if (!known_key)
      throw error(errc::object_not_found,
                  "no private key for certificate " + to_hex(certificate.id) + " on the key");
  }
  return std::make_unique<pkcs11_signing_key>(session, sm2, std::move(certificate), *known_key);
}

std::unique_ptr<signing_key> open_signing_key(pkcs11::session& session, const sm2_profile& sm2,
                                              signer_certificate certificate) {
  std::optional<CK_OBJECT_HANDLE> unknown;
  return open_signing_key(session, sm2, std::move(certificate), unknown);
}

bytes sign_message(signing_key& key, byte_view message, crypto::digest_alg digest) {
  const auto& cert = key.certificate();
  switch (cert.family) {
    case key_family::rsa:
      return key.sign_rsa(digest, crypto::digest(digest, message), rsa_padding::pkcs1);
    case key_family::ec:
      return crypto::ec_raw_to_der(key.sign_ecdsa(crypto::digest(digest, message)));
    case key_family::sm2:
      break;
  }
  return key.sign_sm2(message);
}

}  // namespace sealbridge::service
