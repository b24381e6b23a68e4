#pragma once

#include <cstddef>

#include "core/bytes.hpp"
#include "crypto/openssl_ptr.hpp"

// Public keys built from the bytes a key holds (PKCS#11 attributes, certificate fields), so
// they can go into a certificate request and be matched against a certificate.
namespace sealbridge::crypto {

// DER OBJECT IDENTIFIERs as CKA_EC_PARAMS carries them.
extern const bytes ec_params_p256;  // 1.2.840.10045.3.1.7
extern const bytes ec_params_sm2;   // 1.2.156.10197.1.301

// CKA_EC_POINT is a DER OCTET STRING around 04||x||y, but some drivers give the bare point.
// Returns the bare uncompressed point (04||x||y, x and y of `field_bytes` each: 32 for P-256
// and SM2); throws error(pkcs11_error) when it is neither form.
bytes unwrap_ec_point(byte_view value, std::size_t field_bytes);

evp_pkey_ptr rsa_public_key(byte_view modulus, byte_view exponent);
// `sm2` picks the SM2 curve, otherwise P-256.
evp_pkey_ptr ec_public_key(bool sm2, byte_view ec_point);

// Same algorithm family, same curve and the same public values. Whether OpenSSL typed an SM2
// key as "SM2" or as "EC" on the SM2 curve does not matter.
bool same_public_key(const EVP_PKEY* a, const EVP_PKEY* b);

}  // namespace sealbridge::crypto
