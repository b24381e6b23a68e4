#include <chrono>
#include <nlohmann/json.hpp>

#include "api/key_work.hpp"
#include "api/methods.hpp"
#include "api/params.hpp"
#include "api/to_json.hpp"
#include "core/bytes.hpp"
#include "core/secret.hpp"
#include "crypto/subject_name.hpp"
#include "service/cert_enroll.hpp"

namespace sealbridge::api {

using nlohmann::json;

namespace {

service::enroll_key_type key_type_param(const json& params) {
  auto text = required_string(params, "key_type");
  if (text == "SM2") return service::enroll_key_type::sm2;
  if (text == "EC") return service::enroll_key_type::ec;
  if (text == "RSA") return service::enroll_key_type::rsa;
  throw error(errc::bad_params, "key_type must be \"SM2\", \"EC\" or \"RSA\"");
}

// An RFC 2253 string, or named fields {"CN": …, "O": …}; absent: copy the current certificate's.
std::optional<crypto::name_entries> subject_param(const json& params) {
  auto it = params.find("subject");
  if (it == params.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return crypto::parse_rfc2253(it->get<std::string>());
  if (!it->is_object()) throw error(errc::bad_params, "subject must be a string or an object");
  std::vector<std::pair<std::string, std::string>> fields;
  for (const auto& [name, value] : it->items()) {
    if (!value.is_string()) throw error(errc::bad_params, "subject." + name + " must be a string");
    fields.emplace_back(name, value.get<std::string>());
  }
  return crypto::order_fields(fields);
}

// Base64 DER, or the PEM text a CA hands out.
bytes certificate_param(const json& params) {
  auto text = required_string(params, "cert");
  if (text.find("-----BEGIN") != std::string::npos) {
    auto raw = as_bytes(text);
    return bytes(raw.begin(), raw.end());
  }
  try {
    return from_base64(text);
  } catch (const error&) {
    throw error(errc::cert_invalid, "cert is neither base64 DER nor PEM");
  }
}

}  // namespace

void add_cert_methods(dispatcher& table, services& s) {
  table.add_async("cert.csr", [&s](const json& params, const call_context& ctx, responder reply) {
    auto token = required_string(params, "token");
    auto key_type = key_type_param(params);
    auto subject = subject_param(params);
    auto pin = std::make_shared<secret>(secret_param(params, "pin"));
    bool confirm_final_try = optional_bool(params, "confirm_final_try", false);
    on_key(
        s.tokens, token, std::move(reply),
        [key_type, subject, pin, confirm_final_try,
         origin = ctx.origin](service::token_access& key) {
          service::csr_request request{key_type, subject, {*pin, origin, confirm_final_try}};
          return service::make_csr(key, request);
        },
        [](const auto& result) {
          return json{{"csr", result.pem},
                      {"der", to_base64(result.der)},
                      {"key_id", to_hex(result.key_id)}};
        });
  });

  table.add_async("cert.write", [&s](const json& params, const call_context& ctx, responder reply) {
    auto token = required_string(params, "token");
    auto certificate = certificate_param(params);
    auto pin = std::make_shared<secret>(secret_param(params, "pin"));
    bool confirm_final_try = optional_bool(params, "confirm_final_try", false);
    on_key(
        s.tokens, token, std::move(reply),
        [&s, certificate, pin, confirm_final_try, origin = ctx.origin](service::token_access& key) {
          service::login_request login{*pin, origin, confirm_final_try};
          return service::write_certificate(key, s.cert_journal, certificate, login);
        },
        [&s, token](const auto& result) {
          auto now =
              std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
          json replaced = result.replaced ? json(to_hex(*result.replaced)) : json();
          if (!result.unchanged) {
            s.events.publish("cert.changed", json{{"token", token},
                                                  {"certificate", to_hex(result.certificate.id)},
                                                  {"replaced", replaced}});
          }
          return json{{"certificate", certificate_json(result.certificate, now)},
                      {"replaced", replaced},
                      {"unchanged", result.unchanged}};
        });
  });
}

}  // namespace sealbridge::api
