#include "api/to_json.hpp"

#include <nlohmann/json.hpp>

#include "core/bytes.hpp"
#include "core/text.hpp"

namespace sealbridge::api {

using nlohmann::json;

json token_json(const service::token_record& token) {
  const auto& flags = token.info.flags;
  return {{"id", token.id},
          {"label", token.info.label},
          {"manufacturer", token.info.manufacturer},
          {"model", token.info.model},
          {"serial", token.info.serial},
          {"module", to_utf8_lenient(token.module.path.string())},
          {"module_name", token.module.name},
          {"flags",
           {{"login_required", flags.login_required},
            {"pin_count_low", flags.pin_count_low},
            {"pin_final_try", flags.pin_final_try},
            {"pin_locked", flags.pin_locked},
            {"protected_auth_path", flags.protected_auth_path}}}};
}

json certificate_json(const service::certificate_entry& cert, sys_seconds now) {
  using service::key_presence;
  // has_private_key stays true exactly when it was; null (not false) when nobody can tell yet.
  const json has_private_key = cert.private_key == key_presence::unknown
                                   ? json(nullptr)
                                   : json(cert.private_key == key_presence::present);
  const char* private_key = cert.private_key == key_presence::present  ? "present"
                            : cert.private_key == key_presence::absent ? "absent"
                                                                       : "unknown";
  return {{"id", to_hex(cert.id)},
          {"label", cert.label},
          {"subject", cert.info.subject},
          {"issuer", cert.info.issuer},
          {"serial", cert.info.serial_hex},
          {"not_before", to_iso8601(cert.info.not_before)},
          {"not_after", to_iso8601(cert.info.not_after)},
          {"days_left", days_between(now, cert.info.not_after)},
          {"key_type", cert.info.key_type},
          {"usage", cert.info.usage},
          {"has_private_key", has_private_key},
          {"private_key", private_key},
          {"der", to_base64(cert.der)}};
}

json module_json(const service::module_status& module) {
  // Paths stay raw bytes for dlopen; a path given on a GBK system's command line is shown decoded.
  json out = {{"path", to_utf8_lenient(module.config.path.string())},
              {"name", module.config.name},
              {"loaded", module.library.has_value()}};
  if (module.library) {
    out["library"] = {{"manufacturer", module.library->manufacturer},
                      {"description", module.library->description},
                      {"cryptoki_version", module.library->cryptoki_version},
                      {"library_version", module.library->library_version}};
  }
  if (module.load_error) {
    const auto& e = *module.load_error;
    out["error"] = {{"code", code_name(e.code())},
                    {"message_zh", message_zh(e.code())},
                    {"message_en", message_en(e.code())},
                    {"detail", e.detail()}};
  }
  return out;
}

json finding_json(const service::finding& f) {
  static constexpr const char* kLevels[] = {"info", "warning", "error"};
  json out = {{"code", f.code},
              {"level", kLevels[static_cast<int>(f.level)]},
              {"message_zh", f.message_zh},
              {"message_en", f.message_en}};
  if (f.module) out["module"] = *f.module;
  if (f.token) out["token"] = *f.token;
  if (f.certificate) out["certificate"] = *f.certificate;
  if (f.days_left) out["days_left"] = *f.days_left;
  return out;
}

}  // namespace sealbridge::api
