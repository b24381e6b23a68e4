#pragma once

#include <openssl/x509.h>
#include <p11-kit/pkcs11.h>

#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "pkcs11/objects.hpp"
#include "pkcs11/session.hpp"
#include "service/cert_journal.hpp"
#include "service/token_registry.hpp"

// Certificate objects and the key pairs they belong to, on a logged-in read-write session.
namespace sealbridge::service {

struct key_pair_match {
  bytes id;                  // CKA_ID shared by both halves
  std::string label;         // CKA_LABEL of the private key, UTF-8 for display
  std::string stored_label;  // the same as the key holds it, for the certificate written beside it
};

// The key pair whose public key is `public_key`, with its private key present. Public key
// objects are compared first; RSA private keys also carry their modulus.
std::optional<key_pair_match> find_key_pair(const pkcs11::session& session,
                                            const EVP_PKEY* public_key, const sm2_profile& sm2);

std::vector<pkcs11::certificate_object> certificates_with_id(const pkcs11::session& session,
                                                             const bytes& id);

// One C_CreateObject with the attributes readers search by (subject, issuer, serial).
CK_OBJECT_HANDLE create_certificate_object(pkcs11::session& session, const bytes& id,
                                           const std::string& label, X509* cert, const bytes& der);

// Finishes writes an unplug or crash interrupted: when the new certificate made it, the old
// ones with its CKA_ID go; otherwise every old one is put back if missing.
void finish_interrupted_writes(const token_access& key, cert_journal& journal,
                               pkcs11::session& session);

// The same when the key comes back, without a PIN: keys that let public objects change in a
// read-write public session are mended at once; others keep the journal for the next
// cert.write (which logs in).
void reconcile_certificates(const token_access& key, cert_journal& journal);

}  // namespace sealbridge::service
