#pragma once

#include <optional>
#include <string>

#include "core/bytes.hpp"
#include "crypto/subject_name.hpp"
#include "service/cert_journal.hpp"
#include "service/certificates.hpp"
#include "service/pin_guard.hpp"
#include "service/token_registry.hpp"

// Certificate renewal on the key: a new key pair and its PKCS#10 request, then the issued
// certificate written beside it.
namespace sealbridge::service {

enum class enroll_key_type { rsa, ec, sm2 };

struct csr_request {
  enroll_key_type key_type = enroll_key_type::sm2;
  std::optional<crypto::name_entries>
      subject;  // empty: the subject of the key's signing certificate
  login_request login;
};

struct csr_result {
  bytes der;
  std::string pem;
  bytes key_id;  // CKA_ID of the new key pair
};

// Generates a key pair on the key (RSA 2048, EC P-256 or SM2 through the module's sm2_profile)
// under a fresh random CKA_ID, so the current certificate and its key stay untouched, and
// returns a request signed on the key. Whatever fails after generation removes the new pair.
csr_result make_csr(const token_access& key, const csr_request& request);

struct cert_write_result {
  certificate_entry certificate;
  std::optional<bytes> replaced;  // CKA_ID of the certificate object it replaced
  bool unchanged = false;         // the very same certificate was already there
};

// Stores an issued certificate (DER or PEM) beside the key pair whose public key it carries
// (CERT_INVALID, CERT_MISMATCH). A certificate object with the same CKA_ID is replaced without
// loss: its bytes are journalled, the new object is created and read back, and only then is the
// old one removed.
cert_write_result write_certificate(const token_access& key, cert_journal& journal,
                                    byte_view certificate, const login_request& login);

}  // namespace sealbridge::service
