#include "pdf/pdf_syntax.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>

#include "core/text.hpp"

namespace sealbridge::pdf {
namespace {

// Decodes one UTF-8 sequence at `i`; returns U+FFFD and advances one byte when invalid.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<std::uint8_t>(s[i]);
  auto cont = [&](std::size_t k) -> int {
    if (i + k >= s.size()) return -1;
    const auto b = static_cast<std::uint8_t>(s[i + k]);
    return (b & 0xC0) == 0x80 ? (b & 0x3F) : -1;
  };
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len = 0;
  char32_t cp = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    ++i;
    return 0xFFFD;
  }
  for (int k = 1; k < len; ++k) {
    const int c = cont(static_cast<std::size_t>(k));
    if (c < 0) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | static_cast<char32_t>(c);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  i += static_cast<std::size_t>(len);
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0xFFFD;
  return cp;
}

void append_hex16(std::string& out, unsigned v) {
  char buf[5];
  std::snprintf(buf, sizeof buf, "%04X", v & 0xFFFFu);
  out += buf;
}

}  // namespace

std::string pdf_number(double value) {
  if (!std::isfinite(value)) return "0";
  const double rounded = std::round(value * 1000.0) / 1000.0;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", rounded);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0" || s.empty()) return std::string(1, '0');
  return s;
}

std::string pdf_text_string(std::string_view utf8) {
  bool plain = true;
  for (char c : utf8) {
    const auto b = static_cast<std::uint8_t>(c);
    if (b < 0x20 || b > 0x7E) plain = false;
  }
  if (plain) {
    std::string out = "(";
    for (char c : utf8) {
      if (c == '(' || c == ')' || c == '\\') out += '\\';
      out += c;
    }
    return out + ")";
  }
  std::string out = "<FEFF";
  for (std::size_t i = 0; i < utf8.size();) {
    const char32_t cp = next_code_point(utf8, i);
    if (cp >= 0x10000) {
      const char32_t v = cp - 0x10000;
      append_hex16(out, 0xD800 + static_cast<unsigned>(v >> 10));
      append_hex16(out, 0xDC00 + static_cast<unsigned>(v & 0x3FF));
    } else {
      append_hex16(out, static_cast<unsigned>(cp));
    }
  }
  return out + ">";
}

std::string pdf_name(std::string_view name) {
  std::string out = "/";
  for (char c : name) {
    const auto b = static_cast<std::uint8_t>(c);
    const bool delimiter = std::string_view("()<>[]{}/%#").find(c) != std::string_view::npos;
    if (b < 0x21 || b > 0x7E || delimiter) {
      char buf[4];
      std::snprintf(buf, sizeof buf, "#%02X", b);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

std::string pdf_date(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "D:%04d%02d%02d%02d%02d%02d+00'00'", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string text_string_to_utf8(std::string_view s) {
  std::string out;
  if (s.size() >= 2 && static_cast<std::uint8_t>(s[0]) == 0xFE &&
      static_cast<std::uint8_t>(s[1]) == 0xFF) {
    for (std::size_t i = 2; i + 1 < s.size(); i += 2) {
      char32_t u = (static_cast<std::uint8_t>(s[i]) << 8) | static_cast<std::uint8_t>(s[i + 1]);
      if (u >= 0xD800 && u < 0xDC00 && i + 3 < s.size()) {
        const char32_t lo =
            (static_cast<std::uint8_t>(s[i + 2]) << 8) | static_cast<std::uint8_t>(s[i + 3]);
        if (lo >= 0xDC00 && lo < 0xE000) {
          u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
          i += 2;
        } else {
          u = 0xFFFD;
        }
      } else if (u >= 0xD800 && u < 0xE000) {
        u = 0xFFFD;
      }
      append_utf8(out, u);
    }
    return out;
  }
  if (s.size() >= 3 && s.substr(0, 3) == "\xEF\xBB\xBF")
    s.remove_prefix(3);
  else {
    // PDFDocEncoding matches Latin-1 outside a few punctuation slots; good enough for names.
    for (char c : s) append_utf8(out, static_cast<std::uint8_t>(c));
    return out;
  }
  for (std::size_t i = 0; i < s.size();) append_utf8(out, next_code_point(s, i));
  return out;
}

}  // namespace sealbridge::pdf
