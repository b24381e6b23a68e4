#include "request.hpp"

#include <glib.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace sealbridge::consent_dialog {

namespace {

using nlohmann::json;

std::string text_field(const json& object, const char* key, std::size_t max_chars = 512) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  if (!it->is_string()) throw std::runtime_error(std::string(key) + " is not a string");
  return display_text(it->get_ref<const std::string&>(), max_chars);
}

std::size_t size_field(const json& object, const char* key, std::size_t fallback) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  if (!it->is_number_unsigned()) throw std::runtime_error(std::string(key) + " is not a count");
  return it->get<std::size_t>();
}

bool bool_field(const json& object, const char* key, bool fallback) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) throw std::runtime_error(std::string(key) + " is not a boolean");
  return it->get<bool>();
}

std::string decode_base64(const std::string& text) {
  if (text.empty()) return {};
  gsize size = 0;
  guchar* data = g_base64_decode(text.c_str(), &size);
  std::string out(reinterpret_cast<const char*>(data), size);
  g_free(data);
  return out;
}

}  // namespace

std::string display_text(std::string_view text, std::size_t max_chars) {
  gchar* valid = g_utf8_make_valid(text.data(), static_cast<gssize>(text.size()));
  std::string out;
  std::size_t chars = 0;
  for (const gchar* p = valid; *p; p = g_utf8_next_char(p)) {
    const gunichar c = g_utf8_get_char(p);
    const GUnicodeType type = g_unichar_type(c);
    if (c == '\n' || c == '\t' || c == '\r') {
      out += ' ';
    } else if (type == G_UNICODE_CONTROL || type == G_UNICODE_FORMAT ||
               type == G_UNICODE_LINE_SEPARATOR || type == G_UNICODE_PARAGRAPH_SEPARATOR) {
      continue;
    } else {
      out.append(p, static_cast<std::size_t>(g_utf8_next_char(p) - p));
    }
    if (++chars == max_chars && *g_utf8_next_char(p)) {
      out += "…";
      break;
    }
  }
  g_free(valid);
  return out;
}

request parse_request(std::string_view json_text) {
  const json in = json::parse(json_text);
  if (!in.is_object()) throw std::runtime_error("the request is not an object");

  request out;
  out.origin = text_field(in, "origin", 256);
  if (out.origin.empty()) throw std::runtime_error("the request has no origin");
  out.title_zh = text_field(in, "title", 64);
  out.title_en = text_field(in, "title_en", 64);
  out.signer = text_field(in, "signer");
  out.english_first = text_field(in, "locale", 8) == "en";

  if (const auto items = in.find("items"); items != in.end() && !items->is_null()) {
    if (!items->is_array()) throw std::runtime_error("items is not an array");
    for (const auto& entry : *items) {
      if (!entry.is_object()) throw std::runtime_error("an item is not an object");
      if (out.items.size() == 100) break;
      out.items.push_back({text_field(entry, "name", 256), text_field(entry, "pages", 128),
                           text_field(entry, "sha256", 128), text_field(entry, "detail", 256)});
    }
  }
  out.item_count = std::max(size_field(in, "item_count", 0), out.items.size());

  if (const auto pin = in.find("pin"); pin != in.end() && !pin->is_null()) {
    if (!pin->is_object()) throw std::runtime_error("pin is not an object");
    out.want_pin = bool_field(*pin, "wanted", true);
    out.pin_min = std::clamp<std::size_t>(size_field(*pin, "min_len", 4), 1, 256);
    out.pin_max = std::clamp<std::size_t>(size_field(*pin, "max_len", 64), out.pin_min, 256);
    out.final_try = bool_field(*pin, "final_try", false);
    if (const auto tries = pin->find("tries_left");
        tries != pin->end() && tries->is_number_integer())
      out.tries_left = static_cast<int>(std::clamp<long long>(tries->get<long long>(), 0, 1000));
  }
  out.timeout_seconds =
      static_cast<int>(std::clamp<std::size_t>(size_field(in, "timeout_seconds", 120), 1, 3600));

  if (const auto picture = in.find("picture_png"); picture != in.end() && picture->is_string())
    out.picture_png = decode_base64(picture->get<std::string>());
  return out;
}

}  // namespace sealbridge::consent_dialog
