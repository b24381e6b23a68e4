#include "request.hpp"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "core/text.hpp"

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

constexpr char32_t replacement_character = 0xFFFD;

// One code point of strict UTF-8 at `pos`, which it advances; an invalid or cut sequence is
// one byte read as U+FFFD, so that what follows it still shows.
char32_t next_code_point(std::string_view text, std::size_t& pos) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  std::size_t length = 0;
  char32_t cp = 0;
  if (lead < 0x80) {
    ++pos;
    return lead;
  } else if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    cp = lead & 0x1Fu;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    cp = lead & 0x0Fu;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    cp = lead & 0x07u;
  } else {
    ++pos;
    return replacement_character;
  }
  if (text.size() - pos < length) {
    ++pos;
    return replacement_character;
  }
  for (std::size_t k = 1; k < length; ++k) {
    const auto next = static_cast<unsigned char>(text[pos + k]);
    if ((next & 0xC0) != 0x80) {
      ++pos;
      return replacement_character;
    }
    cp = (cp << 6) | (next & 0x3Fu);
  }
  constexpr char32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < least[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++pos;
    return replacement_character;
  }
  pos += length;
  return cp;
}

// Unicode's control (Cc) and format (Cf) characters and the line and paragraph separators (Zl,
// Zp), as of Unicode 15. Format characters are what a name uses to look like another one: bidi
// overrides and isolates, zero-width joiners and spaces, invisible operators, tags.
struct code_point_range {
  char32_t first, last;
};
constexpr code_point_range invisible_ranges[] = {
    {0x0000, 0x001F},   {0x007F, 0x009F},   {0x00AD, 0x00AD},   {0x0600, 0x0605},
    {0x061C, 0x061C},   {0x06DD, 0x06DD},   {0x070F, 0x070F},   {0x0890, 0x0891},
    {0x08E2, 0x08E2},   {0x180E, 0x180E},   {0x200B, 0x200F},   {0x2028, 0x202E},
    {0x2060, 0x2064},   {0x2066, 0x206F},   {0xFEFF, 0xFEFF},   {0xFFF9, 0xFFFB},
    {0x110BD, 0x110BD}, {0x110CD, 0x110CD}, {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3},
    {0x1D173, 0x1D17A}, {0xE0001, 0xE0001}, {0xE0020, 0xE007F},
};

bool invisible(char32_t cp) {
  return std::any_of(std::begin(invisible_ranges), std::end(invisible_ranges),
                     [cp](const code_point_range& r) { return cp >= r.first && cp <= r.last; });
}

// Lenient as the daemon's side is not: a picture that does not decode is shown as unreadable,
// it does not make the whole request bad.
std::string decode_base64(const std::string& text) {
  try {
    const bytes data = from_base64(text);
    return std::string(data.begin(), data.end());
  } catch (const error&) {
    return {};
  }
}

}  // namespace

std::string display_text(std::string_view text, std::size_t max_chars) {
  std::string out;
  std::size_t chars = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const char32_t cp = next_code_point(text, pos);
    if (cp == '\n' || cp == '\t' || cp == '\r')
      out += ' ';
    else if (invisible(cp))
      continue;
    else
      append_utf8(out, cp);
    if (++chars == max_chars && pos < text.size()) {
      out += "…";
      break;
    }
  }
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

  if (const auto picture = in.find("picture_png"); picture != in.end() && picture->is_string()) {
    out.picture_sent = !picture->get_ref<const std::string&>().empty();
    out.picture_png = decode_base64(picture->get<std::string>());
  }
  return out;
}

}  // namespace sealbridge::consent_dialog
