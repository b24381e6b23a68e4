#pragma once

#include <openssl/evp.h>

#include "core/bytes.hpp"
#include "seal/types.hpp"

namespace sealbridge::seal {

// Encodes and signs a GB/T 38540 seal (header version 4). The scheme follows the maker key:
// SM2 -> SM2-with-SM3 with the default user ID, EC P-256 -> ecdsa-with-SHA256, RSA ->
// sha256WithRSAEncryption. Throws error(bad_params) for unusable content (unknown picture
// type, certList not matching cert_list_type, validity that ends before it starts).
bytes encode_seal_v4(const seal_content& content, EVP_PKEY* maker_key, byte_view maker_cert_der);

// The DER(SES_SealInfo) encode_seal_v4 signs, exposed for tests and external signers.
bytes encode_seal_info_v4(const seal_content& content);

// Assembles SESeal from an already signed SES_SealInfo (e.g. signed on a token).
bytes assemble_seal_v4(byte_view seal_info_der, byte_view maker_cert_der,
                       std::string_view signature_algorithm_oid, byte_view signature);

}  // namespace sealbridge::seal
