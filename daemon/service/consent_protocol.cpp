#include "service/consent_protocol.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace sealbridge::service {

namespace {

using nlohmann::json;

[[noreturn]] void garbage(std::string why) {
  throw error(errc::cancelled, "the consent dialog gave an unreadable answer: " + why);
}

json encode_item(const consent_item& item) {
  json out = {{"name", item.name}};
  if (!item.pages.empty()) out["pages"] = item.pages;
  if (!item.sha256_hex.empty()) out["sha256"] = item.sha256_hex;
  if (!item.detail.empty()) out["detail"] = item.detail;
  return out;
}

// A strict reader for the answer line. It writes string contents straight into the caller's
// buffer, which the caller reserves once so that it is never reallocated (a reallocation would
// leave a copy of the PIN in freed memory).
class reply_reader {
 public:
  explicit reply_reader(std::string_view text) : text_(text) {}

  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  void expect(char c) {
    if (peek() != c) garbage(std::string("expected '") + c + "' at offset " + std::to_string(pos_));
    ++pos_;
  }
  bool take_literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  // Appends the decoded string at the current position to `out`, which must have room.
  void read_string(std::string& out) {
    expect('"');
    for (;;) {
      if (at_end()) garbage("unterminated string");
      const auto c = static_cast<unsigned char>(text_[pos_++]);
      if (c == '"') break;
      if (c < 0x20) garbage("control character in a string");
      if (c != '\\') {
        put(out, static_cast<char>(c));
        continue;
      }
      if (at_end()) garbage("unterminated escape");
      switch (text_[pos_++]) {
        case '"':
          put(out, '"');
          break;
        case '\\':
          put(out, '\\');
          break;
        case '/':
          put(out, '/');
          break;
        case 'b':
          put(out, '\b');
          break;
        case 'f':
          put(out, '\f');
          break;
        case 'n':
          put(out, '\n');
          break;
        case 'r':
          put(out, '\r');
          break;
        case 't':
          put(out, '\t');
          break;
        case 'u':
          read_unicode_escape(out);
          break;
        default:
          garbage("unknown escape");
      }
    }
    if (!valid_utf8(out)) garbage("invalid UTF-8 in a string");
  }

 private:
  static void put(std::string& out, char c) {
    if (out.size() == out.capacity()) garbage("string too long");
    out.push_back(c);
  }

  std::uint32_t hex4() {
    if (text_.size() - pos_ < 4) garbage("short \\u escape");
    std::uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_++];
      value <<= 4;
      if (c >= '0' && c <= '9')
        value |= static_cast<std::uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f')
        value |= static_cast<std::uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        value |= static_cast<std::uint32_t>(c - 'A' + 10);
      else
        garbage("bad \\u escape");
    }
    return value;
  }

  void read_unicode_escape(std::string& out) {
    std::uint32_t cp = hex4();
    if (cp >= 0xDC00 && cp <= 0xDFFF) garbage("lone low surrogate");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (!take_literal("\\u")) garbage("lone high surrogate");
      const std::uint32_t low = hex4();
      if (low < 0xDC00 || low > 0xDFFF) garbage("bad surrogate pair");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    if (cp < 0x80) {
      put(out, static_cast<char>(cp));
    } else if (cp < 0x800) {
      put(out, static_cast<char>(0xC0 | (cp >> 6)));
      put(out, static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      put(out, static_cast<char>(0xE0 | (cp >> 12)));
      put(out, static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      put(out, static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      put(out, static_cast<char>(0xF0 | (cp >> 18)));
      put(out, static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      put(out, static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      put(out, static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  static bool valid_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
      const auto c = static_cast<unsigned char>(s[i]);
      std::size_t len = 0;
      std::uint32_t cp = 0;
      if (c < 0x80) {
        ++i;
        continue;
      } else if ((c & 0xE0) == 0xC0) {
        len = 2;
        cp = c & 0x1Fu;
      } else if ((c & 0xF0) == 0xE0) {
        len = 3;
        cp = c & 0x0Fu;
      } else if ((c & 0xF8) == 0xF0) {
        len = 4;
        cp = c & 0x07u;
      } else {
        return false;
      }
      if (s.size() - i < len) return false;
      for (std::size_t k = 1; k < len; ++k) {
        const auto cc = static_cast<unsigned char>(s[i + k]);
        if ((cc & 0xC0) != 0x80) return false;
        cp = (cp << 6) | (cc & 0x3Fu);
      }
      const std::uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
      if (cp < least[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
      i += len;
    }
    return true;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

std::string encode_consent_request(const consent_request& request, std::chrono::seconds timeout) {
  json items = json::array();
  const std::size_t shown = std::min(request.items.size(), consent_items_shown);
  for (std::size_t i = 0; i < shown; ++i) items.push_back(encode_item(request.items[i]));

  json pin = {{"wanted", request.want_pin},
              {"min_len", request.pin_min},
              {"max_len", request.pin_max},
              {"final_try", request.final_try}};
  if (request.tries_left) pin["tries_left"] = *request.tries_left;

  json out = {
      {"origin", request.origin},
      {"title", request.title_zh},
      {"title_en", request.title_en},
      {"signer", request.signer},
      {"items", std::move(items)},
      {"item_count", std::max(request.item_count, request.items.size())},
      {"pin", std::move(pin)},
      {"locale", request.locale == "en" ? "en" : "zh"},
      {"timeout_seconds", timeout.count()},
  };
  if (!request.picture_png.empty() && request.picture_png.size() <= consent_picture_max)
    out["picture_png"] = to_base64(request.picture_png);
  // Names come from pages and certificates: replace bad UTF-8 rather than throw or pass it on.
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

dialog_reply parse_dialog_reply(std::string_view line) {
  if (line.size() > consent_answer_max) garbage("answer too long");
  dialog_reply reply;
  // Reserved past the short-string buffer so the PIN lives on the heap from the start and
  // every later move hands over the pointer instead of copying the characters.
  std::string pin;
  pin.reserve(std::max<std::size_t>(line.size(), 64));
  struct wipe_on_exit {
    std::string& text;
    ~wipe_on_exit() {
      if (!text.empty()) OPENSSL_cleanse(text.data(), text.size());
    }
  } pin_guard{pin};
  std::string key;
  key.reserve(line.size() + 1);
  std::string other;
  other.reserve(line.size() + 1);
  bool seen_approved = false, seen_pin = false;

  reply_reader in(line);
  in.skip_space();
  in.expect('{');
  in.skip_space();
  if (in.peek() != '}') {
    for (;;) {
      key.clear();
      in.skip_space();
      in.read_string(key);
      in.skip_space();
      in.expect(':');
      in.skip_space();
      if (key == "approved") {
        if (seen_approved) garbage("duplicate \"approved\"");
        seen_approved = true;
        if (in.take_literal("true"))
          reply.approved = true;
        else if (in.take_literal("false"))
          reply.approved = false;
        else
          garbage("\"approved\" is not a boolean");
      } else if (key == "pin") {
        if (seen_pin) garbage("duplicate \"pin\"");
        seen_pin = true;
        in.read_string(pin);
      } else if (in.peek() == '"') {
        other.clear();
        in.read_string(other);
        if (key == "reason") reply.reason = other.substr(0, 64);
      } else if (!in.take_literal("true") && !in.take_literal("false") &&
                 !in.take_literal("null")) {
        garbage("unexpected value for \"" + key.substr(0, 32) + "\"");
      }
      in.skip_space();
      if (in.peek() == ',') {
        in.expect(',');
        continue;
      }
      in.expect('}');
      break;
    }
  } else {
    in.expect('}');
  }
  in.skip_space();
  if (!in.at_end()) garbage("trailing characters after the answer");
  if (!seen_approved) garbage("no \"approved\"");
  if (!reply.approved && !pin.empty()) garbage("a PIN with a refusal");
  reply.pin = secret(std::move(pin));
  return reply;
}

}  // namespace sealbridge::service
