#pragma once

#include "core/bytes.hpp"
#include "crypto/cms_sign.hpp"
#include "crypto/openssl_ptr.hpp"

// A software key standing in for the token in CMS tests: signs exactly what the token would.
namespace sealbridge::testing {

// RSA PKCS#1 v1.5 / ECDSA (DER) with the requested digest, SM2 with SM3 and the default ID.
bytes software_sign(EVP_PKEY* key, byte_view message, crypto::digest_alg digest);

crypto::external_signer software_signer(EVP_PKEY* key, const bytes& cert_der,
                                        std::vector<bytes> extra_certs = {});

}  // namespace sealbridge::testing
