#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>

#include "core/bytes.hpp"
#include "crypto/cert_info.hpp"
#include "crypto/digest.hpp"
#include "crypto/openssl_ptr.hpp"
#include "pkcs11/session.hpp"
#include "service/token_registry.hpp"

// Signing on the key: the private key never leaves the token. Everything that signs (hashes,
// CMS, seal signatures, PDFs) goes through `signing_key`, so a GM/T 0016 SKF backend only has
// to implement this interface to sign everything.
namespace sealbridge::service {

enum class key_family { rsa, ec, sm2 };

enum class rsa_padding { pkcs1, pss };

// The certificate a page picked (by its CKA_ID from cert.list), read without a PIN: what the
// consent dialog shows and what the request is checked against before anyone logs in.
struct signer_certificate {
  bytes id;
  bytes der;
  crypto::certificate_info info;
  key_family family = key_family::rsa;
  std::size_t ec_field_bytes = 0;  // 32 for P-256 and SM2, 48 for P-384
};

// Reads the certificate with CKA_ID `id`. OBJECT_NOT_FOUND when there is none; NOT_SUPPORTED
// for a key type we cannot sign with.
signer_certificate find_signer_certificate(const pkcs11::session& session, byte_view id);

class signing_key {
 public:
  virtual ~signing_key() = default;

  virtual const signer_certificate& certificate() const = 0;
  // RSA over a hash made here: PKCS#1 v1.5 (DigestInfo) or PSS (salt as long as the hash,
  // MGF1 with the same hash).
  virtual bytes sign_rsa(crypto::digest_alg digest, byte_view hash, rsa_padding padding) = 0;
  // ECDSA over a hash: raw r||s, as fixed-width halves.
  virtual bytes sign_ecdsa(byte_view hash) = 0;
  // SM2 over a message with the default user ID (1234567812345678); the driver's profile says
  // whether it wants the message or e = SM3(Z||M), and this hides which. DER.
  virtual bytes sign_sm2(byte_view message) = 0;
  // SM2 over an e = SM3(Z||M) the caller made. NOT_SUPPORTED when the driver only takes
  // messages (it computes Z itself).
  virtual bytes sign_sm2_digest(byte_view e) = 0;
};

// Signs `message` the way CMS and seal signatures need it: RSA PKCS#1 v1.5, ECDSA DER, SM2
// DER (SM2 always with SM3, whatever `digest` says).
bytes sign_message(signing_key& key, byte_view message, crypto::digest_alg digest);

// The certificate's private key (same CKA_ID) in a logged-in session. OBJECT_NOT_FOUND when
// the key holds no private key for that certificate.
std::unique_ptr<signing_key> open_signing_key(pkcs11::session& session, const sm2_profile& sm2,
                                              signer_certificate certificate);
// The same, remembering the handle: a `known_key` found earlier in this same session (a kept
// login) is used without searching again, and an empty one is filled in.
std::unique_ptr<signing_key> open_signing_key(pkcs11::session& session, const sm2_profile& sm2,
                                              signer_certificate certificate,
                                              std::optional<CK_OBJECT_HANDLE>& known_key);

}  // namespace sealbridge::service
