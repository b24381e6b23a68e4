#include "app/config.hpp"

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "app/platform.hpp"
#include "core/error.hpp"

namespace sealbridge::app {
namespace {

using nlohmann::json;

std::string string_field(const json& j, const char* name) {
  const auto& v = j.at(name);
  if (!v.is_string()) throw error(errc::bad_params, std::string(name) + " must be a string");
  return v.get<std::string>();
}

std::vector<std::string> string_list(const json& j, const char* name) {
  const auto& v = j.at(name);
  if (!v.is_array())
    throw error(errc::bad_params, std::string(name) + " must be a list of strings");
  std::vector<std::string> out;
  for (const auto& item : v) {
    if (!item.is_string())
      throw error(errc::bad_params, std::string(name) + " must be a list of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

unsigned long code_field(const json& j, const char* name) {
  const auto& v = j.at(name);
  // Vendor codes are written in hex in every driver manual: accept "0x80008100" as well.
  if (v.is_number_unsigned()) return v.get<unsigned long>();
  if (v.is_string()) {
    const auto& text = v.get_ref<const std::string&>();
    char* end = nullptr;
    unsigned long value = std::strtoul(text.c_str(), &end, 0);
    if (!text.empty() && *end == '\0') return value;
  }
  throw error(errc::bad_params,
              std::string(name) + " must be a number or a hex string like \"0x80008100\"");
}

bool bool_field(const json& j, const char* name) {
  const auto& v = j.at(name);
  if (!v.is_boolean()) throw error(errc::bad_params, std::string(name) + " must be true or false");
  return v.get<bool>();
}

void read_profiles(const json& item, service::module_config& m) {
  if (auto it = item.find("seal_storage"); it != item.end()) {
    if (it->contains("application")) m.seals.application = string_field(*it, "application");
    if (it->contains("private")) m.seals.private_objects = bool_field(*it, "private");
  }
  if (auto it = item.find("sm2"); it != item.end()) {
    if (it->contains("key_type")) m.sm2.key_type = code_field(*it, "key_type");
    if (it->contains("keygen_mechanism"))
      m.sm2.keygen_mechanism = code_field(*it, "keygen_mechanism");
    if (it->contains("sign_mechanism")) m.sm2.sign_mechanism = code_field(*it, "sign_mechanism");
    if (it->contains("sign_takes_digest"))
      m.sm2.sign_takes_digest = bool_field(*it, "sign_takes_digest");
    if (it->contains("raw_signature")) m.sm2.raw_signature = bool_field(*it, "raw_signature");
  }
}

std::vector<service::module_config> module_list(const json& j) {
  const auto& v = j.at("modules");
  if (!v.is_array()) throw error(errc::bad_params, "modules must be a list");
  std::vector<service::module_config> out;
  for (const auto& item : v) {
    service::module_config m;
    if (item.is_string()) {
      m.path = item.get<std::string>();
    } else if (item.is_object() && item.contains("path")) {
      m.path = string_field(item, "path");
      if (item.contains("name")) m.name = string_field(item, "name");
      read_profiles(item, m);
    } else {
      throw error(errc::bad_params, "each module is a path or {\"path\": ..., \"name\": ...}");
    }
    out.push_back(std::move(m));
  }
  return out;
}

service::origin_signing_policy origin_rule(const std::string& origin, const json& rule) {
  if (!rule.is_object())
    throw error(errc::bad_params, "origin_policy." + origin + " must be an object");
  service::origin_signing_policy out;
  if (rule.contains("consent")) {
    auto mode = string_field(rule, "consent");
    if (mode == "each") {
      out.consent = service::consent_mode::each;
    } else if (mode == "session") {
      out.consent = service::consent_mode::session;
    } else if (mode == "none") {
      out.consent = service::consent_mode::none;
    } else {
      throw error(errc::bad_params,
                  "origin_policy." + origin + ".consent must be \"each\", \"session\" or \"none\"");
    }
  }
  if (rule.contains("pin_from_page")) out.pin_from_page = bool_field(rule, "pin_from_page");
  return out;
}

service::signing_policy signing_policy_from(const json& j) {
  const auto& v = j.at("origin_policy");
  if (!v.is_object()) throw error(errc::bad_params, "origin_policy must be an object");
  service::signing_policy policy;
  for (const auto& [origin, rule] : v.items()) policy.origins[origin] = origin_rule(origin, rule);
  return policy;
}

std::uint64_t positive_field(const json& j, const char* name) {
  const auto& v = j.at(name);
  if (!v.is_number_unsigned() || v.get<std::uint64_t>() == 0)
    throw error(errc::bad_params, std::string("documents.") + name + " must be a positive integer");
  return v.get<std::uint64_t>();
}

void read_documents(const json& j, service::document_limits& limits) {
  if (!j.is_object()) throw error(errc::bad_params, "documents must be an object");
  if (j.contains("max_bytes")) limits.max_bytes = positive_field(j, "max_bytes");
  if (j.contains("max_total_bytes")) limits.max_total_bytes = positive_field(j, "max_total_bytes");
  if (j.contains("ttl_seconds")) {
    // Uploads live for a signing session, not an archive. The bound also keeps the ttl well
    // inside what the store's clock arithmetic (in nanoseconds) can hold: a larger value
    // overflowed it, or turned negative on the way to a signed count.
    constexpr std::uint64_t kMaxTtlSeconds = 366ull * 24 * 3600;
    auto ttl = positive_field(j, "ttl_seconds");
    if (ttl > kMaxTtlSeconds)
      throw error(errc::bad_params, "documents.ttl_seconds must be at most 31622400 (366 days)");
    limits.ttl = std::chrono::seconds(static_cast<std::int64_t>(ttl));
  }
  if (limits.max_total_bytes < limits.max_bytes)
    throw error(errc::bad_params, "documents.max_total_bytes must be at least documents.max_bytes");
}

std::vector<bytes> update_keys(const json& j) {
  std::vector<bytes> out;
  for (const auto& text : string_list(j, "update_public_keys")) {
    bytes key;
    try {
      key = from_base64(text);
    } catch (const error&) {
    }
    if (key.size() != 32) {
      throw error(errc::bad_params,
                  "update_public_keys: each entry is a base64 raw Ed25519 public key (32 bytes)");
    }
    out.push_back(std::move(key));
  }
  return out;
}

}  // namespace

void apply_config_file(config& cfg, const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw error(errc::io_error, "cannot read config file " + file.string());
  json j = json::parse(in, nullptr, false, /*ignore_comments=*/true);
  if (j.is_discarded() || !j.is_object())
    throw error(errc::bad_params, "config file " + file.string() + " is not a JSON object");
  try {
    if (j.contains("listen")) apply_listen(cfg, string_field(j, "listen"));
    if (j.contains("allowed_origins")) cfg.allowed_origins = string_list(j, "allowed_origins");
    if (j.contains("state_dir")) cfg.state_dir = string_field(j, "state_dir");
    if (j.contains("webroot")) cfg.webroot = string_field(j, "webroot");
    if (j.contains("log_level")) cfg.log_level = string_field(j, "log_level");
    if (j.contains("modules")) cfg.modules = module_list(j);
    if (j.contains("renewal_url")) cfg.renewal_url = string_field(j, "renewal_url");
    if (j.contains("update_url")) {
      cfg.update_url = string_field(j, "update_url");
      if (!cfg.update_url.empty() && !cfg.update_url.starts_with("https://"))
        throw error(errc::bad_params, "update_url must be an https:// URL");
    }
    if (j.contains("update_public_keys")) cfg.update_public_keys = update_keys(j);
    if (j.contains("update_ca_file")) cfg.update_ca_file = string_field(j, "update_ca_file");
    if (j.contains("tls")) cfg.tls = bool_field(j, "tls");
    if (j.contains("documents")) read_documents(j.at("documents"), cfg.documents);
    if (j.contains("trusted_seal_makers")) {
      cfg.trusted_seal_makers.clear();
      for (auto& p : string_list(j, "trusted_seal_makers")) cfg.trusted_seal_makers.emplace_back(p);
    }
    if (j.contains("origin_policy")) cfg.signing = signing_policy_from(j);
    if (j.contains("trusted_signing_roots")) {
      cfg.trusted_signing_roots.clear();
      for (auto& p : string_list(j, "trusted_signing_roots"))
        cfg.trusted_signing_roots.emplace_back(p);
    }
    if (j.contains("consent_dialog")) cfg.consent_dialog = string_field(j, "consent_dialog");
  } catch (const error& e) {
    throw error(e.code(), file.string() + ": " + e.detail());
  }
}

void apply_listen(config& cfg, std::string_view listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string_view::npos)
    throw error(errc::bad_params, "listen must be HOST:PORT, e.g. 127.0.0.1:16116");
  std::string host(listen.substr(0, colon));
  std::string port_text(listen.substr(colon + 1));
  char* end = nullptr;
  long port = std::strtol(port_text.c_str(), &end, 10);
  if (port_text.empty() || *end != '\0' || port < 0 || port > 65535)
    throw error(errc::bad_params, "listen port must be 0..65535");
  if (host == "127.0.0.1" || host == "localhost") {
    cfg.addresses = {"127.0.0.1", "::1"};
  } else if (host == "[::1]" || host == "::1") {
    cfg.addresses = {"::1"};
  } else {
    throw error(errc::bad_params, "listen host must be 127.0.0.1, localhost or [::1]");
  }
  cfg.port = static_cast<std::uint16_t>(port);
}

std::filesystem::path user_config_file() {
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg)
    return std::filesystem::path(xdg) / "sealbridge/config.json";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::filesystem::path(home) / ".config/sealbridge/config.json";
  return {};
}

void apply_defaults(config& cfg, const std::filesystem::path& executable) {
  if (cfg.state_dir.empty()) {
    cfg.state_dir = default_state_dir();
    cfg.state_dir_is_default = true;
  }
  if (cfg.webroot.empty()) {
    auto installed = installed_webroot(executable);
    // A build tree runs from the source checkout's pages.
    cfg.webroot = installed.empty() ? std::filesystem::path(SEALBRIDGE_SOURCE_WEBROOT) : installed;
  }
}

}  // namespace sealbridge::app
