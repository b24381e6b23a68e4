#pragma once

#include <openssl/evp.h>

#include <string_view>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "crypto/digest.hpp"

// What the CMS signer and verifier share: object identifiers and the bits of a certificate
// that name a signer. Not part of the public crypto API; include cms_sign.hpp/cms_verify.hpp.
namespace sealbridge::crypto::cms {

inline constexpr std::string_view oid_data = "1.2.840.113549.1.7.1";
inline constexpr std::string_view oid_signed_data = "1.2.840.113549.1.7.2";
// GM/T 0010-2012 (SM2 cryptography message syntax) names for the same two content types.
inline constexpr std::string_view oid_gm_data = "1.2.156.10197.6.1.4.2.1";
inline constexpr std::string_view oid_gm_signed_data = "1.2.156.10197.6.1.4.2.2";

inline constexpr std::string_view oid_content_type = "1.2.840.113549.1.9.3";
inline constexpr std::string_view oid_message_digest = "1.2.840.113549.1.9.4";
inline constexpr std::string_view oid_signing_time = "1.2.840.113549.1.9.5";
inline constexpr std::string_view oid_signing_certificate = "1.2.840.113549.1.9.16.2.12";
inline constexpr std::string_view oid_signing_certificate_v2 = "1.2.840.113549.1.9.16.2.47";

inline constexpr std::string_view oid_rsa_encryption = "1.2.840.113549.1.1.1";
inline constexpr std::string_view oid_ec_public_key = "1.2.840.10045.2.1";
inline constexpr std::string_view oid_sm2_sign = "1.2.156.10197.1.301.1";

enum class key_kind { rsa, ec, sm2 };

// Throws error(not_supported) for keys that are none of RSA, EC, SM2.
key_kind kind_of(const EVP_PKEY* key);

// The original encodings of tbsCertificate.issuer and .serialNumber, read with our DER reader
// so that SignerInfo.sid matches the certificate byte for byte. Throws error(fail_code).
struct issuer_serial {
  byte_view issuer;  // whole Name element
  byte_view serial;  // whole INTEGER element
};
issuer_serial read_issuer_serial(byte_view cert_der, errc fail_code);

// Whether `sig` is exactly one DER SEQUENCE (a DER-encoded ECDSA/SM2 signature, not r||s).
bool is_der_sequence(byte_view sig);

// PKCS#1 v1.5 or ECDSA with `md`, or SM2 (SM3 with the default ID; `md` ignored). EC and SM2
// signatures may be DER or raw r||s. False on any failure; the OpenSSL error queue is cleared.
bool verify_with(EVP_PKEY* key, key_kind kind, const EVP_MD* md, byte_view data,
                 byte_view signature);

}  // namespace sealbridge::crypto::cms
