#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string_view>

#include "api/request_handler.hpp"
#include "crypto/cms_sign.hpp"
#include "crypto/digest.hpp"
#include "service/signing.hpp"

// Params every signing method shares, read the same way everywhere.
namespace sealbridge::api {

// token, cert (hex id from cert.list, optional when `cert_optional`), pin (only where the
// origin's policy allows it), confirm_final_try; the origin and connection from `context`.
service::signing_request signing_request_from(const nlohmann::json& params,
                                              const call_context& context,
                                              std::string_view title_zh, std::string_view title_en,
                                              bool cert_optional = false);

// hash_alg: "SHA-256", "SHA-384", "SHA-512" or "SM3"; `fallback` when absent (none: required).
crypto::digest_alg digest_param(const nlohmann::json& params,
                                std::optional<crypto::digest_alg> fallback);
// scheme: "PKCS1" (default) or "PSS", for RSA keys.
service::rsa_padding rsa_padding_param(const nlohmann::json& params);
// encoding: "der" (default) or "raw" (r||s) for EC and SM2 signatures; true for raw.
bool encoding_param(const nlohmann::json& params);

// The key as CMS and seal-signature builders see it: a certificate and a way to sign.
crypto::external_signer external_signer_for(service::signing_key& key);

}  // namespace sealbridge::api
