#include "api/params.hpp"

#include "core/error.hpp"

namespace sealbridge::api {

std::optional<std::string> optional_string(const nlohmann::json& params, std::string_view name) {
  auto it = params.find(name);
  if (it == params.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw error(errc::bad_params, std::string(name) + " must be a string");
  return it->get<std::string>();
}

secret secret_param(const nlohmann::json& params, std::string_view name) {
  auto it = params.find(name);
  if (it == params.end() || it->is_null()) return secret();
  if (!it->is_string()) throw error(errc::bad_params, std::string(name) + " must be a string");
  return secret(std::string_view(it->get_ref<const std::string&>()));
}

std::string required_string(const nlohmann::json& params, std::string_view name) {
  auto value = optional_string(params, name);
  if (!value || value->empty()) throw error(errc::bad_params, std::string(name) + " is required");
  return std::move(*value);
}

bool optional_bool(const nlohmann::json& params, std::string_view name, bool fallback) {
  auto it = params.find(name);
  if (it == params.end() || it->is_null()) return fallback;
  if (!it->is_boolean())
    throw error(errc::bad_params, std::string(name) + " must be true or false");
  return it->get<bool>();
}

std::optional<bytes> optional_base64(const nlohmann::json& params, std::string_view name) {
  auto text = optional_string(params, name);
  if (!text) return std::nullopt;
  try {
    return from_base64(*text);
  } catch (const error&) {
    throw error(errc::bad_params, std::string(name) + " must be base64");
  }
}

bytes required_base64(const nlohmann::json& params, std::string_view name) {
  auto value = optional_base64(params, name);
  if (!value || value->empty()) throw error(errc::bad_params, std::string(name) + " is required");
  return std::move(*value);
}

bytes required_hex(const nlohmann::json& params, std::string_view name) {
  auto text = required_string(params, name);
  try {
    return from_hex(text);
  } catch (const error&) {
    throw error(errc::bad_params, std::string(name) + " must be hex (an id from the list methods)");
  }
}

}  // namespace sealbridge::api
