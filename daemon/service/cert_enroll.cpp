#include "service/cert_enroll.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>

#include "core/error.hpp"
#include "core/iso_time.hpp"
#include "crypto/csr_builder.hpp"
#include "crypto/digest.hpp"
#include "crypto/sm2.hpp"
#include "crypto/x509_verify.hpp"
#include "pkcs11/objects.hpp"
#include "service/cert_objects.hpp"
#include "service/lossless_replace.hpp"
#include "service/public_key.hpp"

namespace sealbridge::service {
namespace {

constexpr CK_ULONG kRsaBits = 2048;
constexpr std::size_t kIdBytes = 16;

bytes random_id() {
  bytes id(kIdBytes);
  if (RAND_bytes(id.data(), static_cast<int>(id.size())) != 1)
    throw error(errc::internal, "no randomness for the key pair id");
  return id;
}

std::string renewal_label() {
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  return "renewal " + to_iso8601(now).substr(0, 10);
}

// The subject of the first certificate allowed to sign: the one a renewal replaces.
crypto::x509_name_ptr signing_certificate_subject(const pkcs11::session& session) {
  for (const auto& object : pkcs11::find_certificates(session)) {
    try {
      auto info = crypto::parse_certificate(object.der);
      if (std::find(info.usage.begin(), info.usage.end(), "digitalSignature") == info.usage.end())
        continue;
      auto cert = crypto::load_certificate(object.der);
      crypto::x509_name_ptr name{X509_NAME_dup(X509_get_subject_name(cert.get()))};
      if (!name) throw error(errc::internal, "X509_NAME_dup failed");
      return name;
    } catch (const error& e) {
      if (e.code() != errc::cert_invalid) throw;
    }
  }
  throw error(errc::bad_params,
              "subject is required: the key holds no signing certificate to copy it from");
}

// A freshly generated pair, destroyed again unless the caller keeps it: a failed renewal must
// leave no stray keys on the user's key.
class new_key_pair {
 public:
  new_key_pair(pkcs11::session& session, CK_OBJECT_HANDLE pub, CK_OBJECT_HANDLE priv)
      : session_(session), public_(pub), private_(priv) {}
  ~new_key_pair() {
    if (kept_) return;
    for (auto handle : {private_, public_}) {
      try {
        session_.destroy_object(handle);
      } catch (const error& e) {
        spdlog::error("a new key pair could not be removed after a failed request: {}", e.what());
      }
    }
  }
  new_key_pair(const new_key_pair&) = delete;
  new_key_pair& operator=(const new_key_pair&) = delete;

  CK_OBJECT_HANDLE public_key() const { return public_; }
  CK_OBJECT_HANDLE private_key() const { return private_; }
  void keep() { kept_ = true; }

 private:
  pkcs11::session& session_;
  CK_OBJECT_HANDLE public_;
  CK_OBJECT_HANDLE private_;
  bool kept_ = false;
};

CK_ATTRIBUTE attr(CK_ATTRIBUTE_TYPE type, const void* value, std::size_t size) {
  // Templates are only read by the driver; the C struct predates const.
  return CK_ATTRIBUTE{type, const_cast<void*>(value), static_cast<CK_ULONG>(size)};
}

std::unique_ptr<new_key_pair> generate_pair(pkcs11::session& session, enroll_key_type type,
                                            const bytes& id, const std::string& label,
                                            const sm2_profile& sm2) {
  static constexpr CK_BBOOL yes = CK_TRUE;
  static constexpr CK_BBOOL no = CK_FALSE;
  static constexpr std::array<std::uint8_t, 3> f4 = {0x01, 0x00, 0x01};
  const CK_ULONG bits = kRsaBits;

  std::vector<CK_ATTRIBUTE> pub = {
      attr(CKA_TOKEN, &yes, sizeof yes), attr(CKA_PRIVATE, &no, sizeof no),
      attr(CKA_VERIFY, &yes, sizeof yes), attr(CKA_ID, id.data(), id.size()),
      attr(CKA_LABEL, label.data(), label.size())};
  std::vector<CK_ATTRIBUTE> priv = {
      attr(CKA_TOKEN, &yes, sizeof yes),          attr(CKA_PRIVATE, &yes, sizeof yes),
      attr(CKA_SENSITIVE, &yes, sizeof yes),      attr(CKA_EXTRACTABLE, &no, sizeof no),
      attr(CKA_SIGN, &yes, sizeof yes),           attr(CKA_ID, id.data(), id.size()),
      attr(CKA_LABEL, label.data(), label.size())};
  CK_MECHANISM mechanism{};
  switch (type) {
    case enroll_key_type::rsa:
      mechanism.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
      pub.push_back(attr(CKA_MODULUS_BITS, &bits, sizeof bits));
      pub.push_back(attr(CKA_PUBLIC_EXPONENT, f4.data(), f4.size()));
      break;
    case enroll_key_type::ec:
      mechanism.mechanism = CKM_EC_KEY_PAIR_GEN;
      pub.push_back(
          attr(CKA_EC_PARAMS, crypto::ec_params_p256.data(), crypto::ec_params_p256.size()));
      break;
    case enroll_key_type::sm2:
      mechanism.mechanism = sm2.keygen_mechanism;
      pub.push_back(
          attr(CKA_EC_PARAMS, crypto::ec_params_sm2.data(), crypto::ec_params_sm2.size()));
      break;
  }
  const auto [pub_handle, priv_handle] = session.generate_key_pair(mechanism, pub, priv);
  return std::make_unique<new_key_pair>(session, pub_handle, priv_handle);
}

crypto::sig_scheme scheme_of(enroll_key_type type) {
  switch (type) {
    case enroll_key_type::rsa:
      return crypto::sig_scheme::rsa_sha256;
    case enroll_key_type::ec:
      return crypto::sig_scheme::ecdsa_sha256;
    case enroll_key_type::sm2:
      break;
  }
  return crypto::sig_scheme::sm2_sm3;
}

bytes sha256(byte_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr) != 1)
    throw error(errc::internal, "SHA-256 failed");
  return bytes(digest, digest + len);
}

// Signs `tbs` with the key's private key; EC and SM2 signatures come back DER-encoded.
bytes sign_on_key(pkcs11::session& session, CK_OBJECT_HANDLE private_key, enroll_key_type type,
                  EVP_PKEY* public_key, byte_view tbs, const sm2_profile& sm2) {
  switch (type) {
    case enroll_key_type::rsa: {
      CK_MECHANISM mechanism{CKM_SHA256_RSA_PKCS, nullptr, 0};
      return session.sign(mechanism, private_key, tbs);
    }
    case enroll_key_type::ec: {
      // Plain CKM_ECDSA is the mechanism every EC token has; it signs a digest made here.
      CK_MECHANISM mechanism{CKM_ECDSA, nullptr, 0};
      return crypto::ec_raw_to_der(session.sign(mechanism, private_key, sha256(tbs)));
    }
    case enroll_key_type::sm2:
      break;
  }
  std::string user_id(crypto::sm2_default_id);
  bytes signature;
  if (sm2.sign_takes_digest) {
    CK_MECHANISM mechanism{sm2.sign_mechanism, nullptr, 0};
    signature = session.sign(mechanism, private_key, crypto::sm2_e(public_key, tbs, user_id));
  } else {
    CK_MECHANISM mechanism{sm2.sign_mechanism, user_id.data(),
                           static_cast<CK_ULONG>(user_id.size())};
    signature = session.sign(mechanism, private_key, tbs);
  }
  return sm2.raw_signature ? crypto::ec_raw_to_der(signature) : signature;
}

}  // namespace

csr_result make_csr(const token_access& key, const csr_request& request) {
  const auto& sm2 = key.token().module.sm2;
  auto session = key.open_session(true);
  guarded_login(key, session, request.login);
  // Settled before generation so a bad subject leaves nothing behind.
  auto subject =
      request.subject ? crypto::make_name(*request.subject) : signing_certificate_subject(session);

  auto id = random_id();
  auto pair = generate_pair(session, request.key_type, id, renewal_label(), sm2);
  auto public_key = public_key_of(session, pair->public_key(), sm2);
  if (!public_key)
    throw error(errc::pkcs11_error, "the new public key cannot be read from the key");
  auto req = crypto::new_request(subject.get(), public_key->get());
  auto tbs = crypto::request_info_der(req.get());
  auto scheme = scheme_of(request.key_type);
  auto signature =
      sign_on_key(session, pair->private_key(), request.key_type, public_key->get(), tbs, sm2);
  // A driver whose SM2 codes are configured wrong signs something else; no CA would accept it.
  if (!crypto::verify_message(public_key->get(), scheme, tbs, signature))
    throw error(
        errc::pkcs11_error,
        "the key's signature on the request does not verify (check the module's sm2 settings)");
  crypto::attach_signature(req.get(), scheme, signature);

  csr_result out{crypto::request_der(req.get()), crypto::request_pem(req.get()), id};
  pair->keep();
  spdlog::info("key {}: new key pair {} and certificate request made", key.token().id, to_hex(id));
  return out;
}

cert_write_result write_certificate(const token_access& key, cert_journal& journal,
                                    byte_view certificate, const login_request& login) {
  // Whatever happens below, signers kept from before must read the certificates again.
  key.private_keys().certificates_changed();
  auto cert = crypto::load_certificate(certificate);
  auto der = crypto::certificate_der(cert.get());
  auto info = crypto::parse_certificate(der);
  EVP_PKEY* cert_key = X509_get0_pubkey(cert.get());
  if (cert_key == nullptr)
    throw error(errc::cert_invalid, "the certificate's public key is unreadable");

  auto session = key.open_session(true);
  guarded_login(key, session, login);
  finish_interrupted_writes(key, journal, session);

  auto pair = find_key_pair(session, cert_key, key.token().module.sm2);
  if (!pair)
    throw error(errc::cert_mismatch, "no key pair on the key has the certificate's public key");

  auto existing = certificates_with_id(session, pair->id);
  cert_write_result result;
  result.certificate = certificate_entry{pair->id, {}, der, info, key_presence::present};
  for (const auto& old : existing) {
    if (old.der == der) {
      result.certificate.label = old.label;
      result.unchanged = true;  // a retry after a lost answer
      return result;
    }
  }
  result.certificate.label = existing.empty() ? pair->label : existing.front().label;
  // The new object gets the label bytes the key already uses (GBK on many keys), so the
  // vendor's own tools keep showing it; only what we report is UTF-8.
  const std::string object_label =
      existing.empty() ? pair->stored_label : existing.front().stored_label;

  cert_journal_entry entry{key.token().id, pair->id, object_label, der, {}};
  std::vector<CK_OBJECT_HANDLE> old_objects;
  for (const auto& old : existing) {
    entry.old_certificates.push_back(old.der);
    old_objects.push_back(old.handle);
  }
  replace_losslessly(
      session, journal, entry,
      [&] { return create_certificate_object(session, pair->id, object_label, cert.get(), der); },
      der, old_objects, "certificate");

  if (!existing.empty()) result.replaced = pair->id;
  spdlog::info("key {}: certificate {} written for key pair {}{}", key.token().id, info.serial_hex,
               to_hex(pair->id), existing.empty() ? "" : " (replaced the previous one)");
  return result;
}

}  // namespace sealbridge::service
