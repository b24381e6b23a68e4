#pragma once

#include <openssl/evp.h>

#include <cstddef>
#include <optional>
#include <string_view>

#include "core/bytes.hpp"
#include "crypto/openssl_ptr.hpp"
#include "crypto/sm2.hpp"

// Digests and the small encodings that tokens need around them: a PKCS#11 key signs a hash
// wrapped in DigestInfo (CKM_RSA_PKCS), returns ECDSA as raw r||s (CKM_ECDSA), or wants the
// SM2 digest e = SM3(Z||M) computed for it. One copy of each, here.
namespace sealbridge::crypto {

enum class digest_alg { sha256, sha384, sha512, sm3 };

// "SHA-256", "SHA-384", "SHA-512", "SM3"; also "sha256", "Sha-384" (case and dash ignored).
std::optional<digest_alg> digest_from_name(std::string_view name);
// Empty when the OID names no digest we support.
std::optional<digest_alg> digest_from_oid(std::string_view oid);
std::string_view digest_name(digest_alg alg);  // "SHA-256", ...
std::size_t digest_size(digest_alg alg);
std::string_view digest_oid(
    digest_alg alg);  // 2.16.840.1.101.3.4.2.1, ..., SM3 1.2.156.10197.1.401
const EVP_MD* evp_md(digest_alg alg);

bytes digest(digest_alg alg, byte_view data);

// Incremental digest for inputs that arrive in chunks (PDF byte ranges).
class digest_stream {
 public:
  explicit digest_stream(digest_alg alg);
  void update(byte_view data);
  // Ends the stream; a second call, or update() after it, throws error(internal).
  bytes finish();

 private:
  evp_md_ctx_ptr ctx_;
  bool finished_ = false;
};

// DER DigestInfo{AlgorithmIdentifier{oid, NULL}, OCTET STRING hash}: what CKM_RSA_PKCS signs
// to make a PKCS#1 v1.5 signature over an already computed hash. Throws error(bad_params) when
// `hash` is not digest_size(alg) long.
bytes rsa_digest_info(digest_alg alg, byte_view hash);

// DER SEQUENCE{INTEGER r, INTEGER s} to r||s, each left-padded to `field_bytes` (32 for P-256
// and SM2, 48 for P-384, 66 for P-521). Throws error(bad_params) on anything else, including
// an integer wider than the field.
bytes ecdsa_der_to_raw(byte_view der, std::size_t field_bytes);

// Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA) per GB/T 32918.2, for an SM2 public key.
// Throws error(bad_params) for a non-SM2 key or an ID longer than 8191 bytes.
bytes sm2_z(EVP_PKEY* public_key, std::string_view id = sm2_default_id);
// e = SM3(Z || message): what an SM2 mechanism that signs a digest expects.
bytes sm2_e(EVP_PKEY* public_key, byte_view message, std::string_view id = sm2_default_id);

}  // namespace sealbridge::crypto
