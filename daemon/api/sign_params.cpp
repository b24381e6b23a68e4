#include "api/sign_params.hpp"

#include <nlohmann/json.hpp>

#include "api/params.hpp"
#include "core/error.hpp"
#include "core/secret.hpp"

namespace sealbridge::api {

using nlohmann::json;

service::signing_request signing_request_from(const json& params, const call_context& context,
                                              std::string_view title_zh, std::string_view title_en,
                                              bool cert_optional) {
  service::signing_request request;
  request.token = required_string(params, "token");
  if (!cert_optional || params.contains("cert")) request.cert_id = required_hex(params, "cert");
  request.origin = context.origin;
  request.connection = std::weak_ptr<const void>(context.sink);
  request.title_zh = title_zh;
  request.title_en = title_en;
  if (auto pin = secret_param(params, "pin"); !pin.empty())
    request.page_pin = std::make_shared<secret>(std::move(pin));
  request.confirm_final_try = optional_bool(params, "confirm_final_try", false);
  return request;
}

crypto::digest_alg digest_param(const json& params, std::optional<crypto::digest_alg> fallback) {
  auto text = optional_string(params, "hash_alg");
  if (!text) {
    if (fallback) return *fallback;
    throw error(errc::bad_params, "hash_alg is required (SHA-256, SHA-384, SHA-512 or SM3)");
  }
  auto digest = crypto::digest_from_name(*text);
  if (!digest) throw error(errc::bad_params, "hash_alg must be SHA-256, SHA-384, SHA-512 or SM3");
  return *digest;
}

service::rsa_padding rsa_padding_param(const json& params) {
  auto text = optional_string(params, "scheme").value_or("PKCS1");
  if (text == "PKCS1") return service::rsa_padding::pkcs1;
  if (text == "PSS") return service::rsa_padding::pss;
  throw error(errc::bad_params, R"(scheme must be "PKCS1" or "PSS")");
}

bool encoding_param(const json& params) {
  auto text = optional_string(params, "encoding").value_or("der");
  if (text == "der") return false;
  if (text == "raw") return true;
  throw error(errc::bad_params, R"(encoding must be "der" or "raw")");
}

}  // namespace sealbridge::api
