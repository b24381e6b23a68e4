#pragma once

#include <openssl/evp.h>

#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "crypto/openssl_ptr.hpp"

// Signing and verification for the three algorithms seals are made with. SM2 needs care in
// OpenSSL 3.0: the signer's distinguishing ID enters the digest (Z value) and must be set on
// every context, or signatures silently stop interoperating with every Chinese implementation.
namespace sealbridge::crypto {

// GM/T 0009 default user ID, used by all seal and certificate signatures in practice.
inline constexpr std::string_view sm2_default_id = "1234567812345678";

inline constexpr std::string_view oid_sm2_with_sm3 = "1.2.156.10197.1.501";
inline constexpr std::string_view oid_sha256_with_rsa = "1.2.840.113549.1.1.11";
inline constexpr std::string_view oid_ecdsa_with_sha256 = "1.2.840.10045.4.3.2";

enum class sig_scheme { sm2_sm3, ecdsa_sha256, rsa_sha256 };

bool is_sm2_key(const EVP_PKEY* key);
// The scheme a key signs with: SM2 -> SM2-with-SM3, other EC -> ECDSA/SHA-256, RSA -> PKCS#1
// v1.5/SHA-256. Throws error(not_supported) for other key types.
sig_scheme scheme_for_key(const EVP_PKEY* key);
std::string_view scheme_oid(sig_scheme scheme);
// Maps a signature algorithm OID to a scheme; also accepts the bare SM2 signature OIDs some
// makers write instead of SM2-with-SM3. Empty when unknown.
std::optional<sig_scheme> scheme_from_oid(std::string_view oid);

// Signs `data` (hashing included). EC/SM2 signatures come out DER-encoded SEQUENCE{r, s}.
bytes sign_message(EVP_PKEY* key, byte_view data);
// Verifies a signature over `data`. For EC/SM2, `signature` may be DER or raw r||s.
// Returns false on a bad signature, a key that does not match the scheme or any OpenSSL error.
bool verify_message(EVP_PKEY* key, sig_scheme scheme, byte_view data, byte_view signature);

// Raw fixed-width r||s (even length) to DER SEQUENCE{INTEGER r, INTEGER s}.
bytes ec_raw_to_der(byte_view raw);
// A digest-sign context ready for updates, with the SM2 ID set where the key needs it.
// Exposed for callers that stream large inputs.
evp_md_ctx_ptr make_sign_ctx(EVP_PKEY* key);

}  // namespace sealbridge::crypto
