#include "core/text.hpp"

#include <cstdint>

#ifdef _WIN32
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
#else
#include <iconv.h>

#include <cerrno>
#endif

namespace sealbridge {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed UTF-8 sequence starting `s` (Unicode table 3-7), or 0 when there
// is none. `incomplete` tells a 0 that came from the input ending inside a sequence that was
// well-formed so far.
std::size_t sequence_length(std::string_view s, bool& incomplete) {
  incomplete = false;
  const auto lead = static_cast<unsigned char>(s[0]);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char second_min = 0x80;
  unsigned char second_max = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_min = 0xA0;  // below: overlong
    if (lead == 0xED) second_max = 0x9F;  // above: surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_min = 0x90;  // below: overlong
    if (lead == 0xF4) second_max = 0x8F;  // above: beyond U+10FFFF
  } else {
    return 0;  // continuation byte, overlong lead C0/C1, or F5..FF
  }
  for (std::size_t i = 1; i < length; ++i) {
    if (i >= s.size()) {
      incomplete = true;
      return 0;
    }
    const auto b = static_cast<unsigned char>(s[i]);
    const unsigned char min = i == 1 ? second_min : 0x80;
    const unsigned char max = i == 1 ? second_max : 0xBF;
    if (b < min || b > max) return 0;
  }
  return length;
}

struct utf8_scan {
  std::size_t valid = 0;        // bytes of well-formed UTF-8 from the start
  bool truncated_tail = false;  // what follows is a sequence cut off by the end of the input
  bool non_ascii = false;       // the valid part holds a multi-byte character
};

utf8_scan scan_utf8(std::string_view s) {
  utf8_scan scan;
  while (scan.valid < s.size()) {
    bool incomplete = false;
    const std::size_t n = sequence_length(s.substr(scan.valid), incomplete);
    if (n == 0) {
      scan.truncated_tail = incomplete;
      break;
    }
    if (n > 1) scan.non_ascii = true;
    scan.valid += n;
  }
  return scan;
}

// Keeps every well-formed UTF-8 sequence and puts U+FFFD for each byte that is not part of
// one: the last resort when no GB18030 decoder is available.
std::string replace_invalid(std::string_view s) {
  std::string out;
  std::size_t pos = 0;
  while (pos < s.size()) {
    bool incomplete = false;
    const std::size_t n = sequence_length(s.substr(pos), incomplete);
    if (n == 0) {
      out += kReplacement;
      ++pos;
    } else {
      out.append(s.substr(pos, n));
      pos += n;
    }
  }
  return out;
}

struct decoded {
  std::string text;
  bool clean = true;  // every byte was GB18030
};

#ifdef _WIN32

// Windows has no iconv; code page 54936 is GB18030.
decoded decode_gb18030(std::string_view in) {
  constexpr UINT kGb18030 = 54936;
  decoded out;
  if (in.empty()) return out;
  const int in_len = static_cast<int>(in.size());
  DWORD flags = MB_ERR_INVALID_CHARS;
  int wide_len = MultiByteToWideChar(kGb18030, flags, in.data(), in_len, nullptr, 0);
  if (wide_len == 0) {
    // Without the flag Windows substitutes undecodable bytes itself.
    out.clean = false;
    flags = 0;
    wide_len = MultiByteToWideChar(kGb18030, flags, in.data(), in_len, nullptr, 0);
    if (wide_len == 0) return {replace_invalid(in), false};
  }
  std::wstring wide(static_cast<std::size_t>(wide_len), L'\0');
  MultiByteToWideChar(kGb18030, flags, in.data(), in_len, wide.data(), wide_len);
  const int utf8_len =
      WideCharToMultiByte(CP_UTF8, 0, wide.data(), wide_len, nullptr, 0, nullptr, nullptr);
  out.text.resize(static_cast<std::size_t>(utf8_len));
  WideCharToMultiByte(CP_UTF8, 0, wide.data(), wide_len, out.text.data(), utf8_len, nullptr,
                      nullptr);
  return out;
}

#else

class gb18030_decoder {
 public:
  gb18030_decoder() : cd_(iconv_open("UTF-8", "GB18030")) {}
  ~gb18030_decoder() {
    if (ok()) iconv_close(cd_);
  }
  gb18030_decoder(const gb18030_decoder&) = delete;
  gb18030_decoder& operator=(const gb18030_decoder&) = delete;

  bool ok() const { return cd_ != invalid(); }
  iconv_t get() const { return cd_; }

 private:
  static iconv_t invalid() { return reinterpret_cast<iconv_t>(static_cast<std::intptr_t>(-1)); }
  iconv_t cd_;
};

// One converter per call: iconv_t is not thread-safe, and text that needs decoding is rare
// (a label, a seal name) while glibc caches the conversion tables after the first use.
decoded decode_gb18030(std::string_view in) {
  gb18030_decoder decoder;
  if (!decoder.ok()) return {replace_invalid(in), false};
  decoded out;
  char* in_ptr = const_cast<char*>(in.data());  // iconv's signature; it never writes there
  std::size_t in_left = in.size();
  char buffer[512];
  while (in_left > 0) {
    char* out_ptr = buffer;
    std::size_t out_left = sizeof buffer;
    const std::size_t rc = iconv(decoder.get(), &in_ptr, &in_left, &out_ptr, &out_left);
    const int err = errno;
    out.text.append(buffer, static_cast<std::size_t>(out_ptr - buffer));
    if (rc != static_cast<std::size_t>(-1)) break;
    if (err == E2BIG) continue;
    out.clean = false;
    out.text += kReplacement;
    // EINVAL: the input ends inside a character. EILSEQ (or anything else): skip one byte and
    // resynchronise, as GB18030 lead bytes are easy to find again.
    if (err == EINVAL) break;
    ++in_ptr;
    --in_left;
    iconv(decoder.get(), nullptr, nullptr, nullptr, nullptr);
  }
  return out;
}

#endif

std::string from_latin1(byte_view data) {
  std::string out;
  out.reserve(data.size());
  for (auto b : data) append_utf8(out, b);
  return out;
}

std::string_view as_chars(byte_view data) {
  return {reinterpret_cast<const char*>(data.data()), data.size()};
}

}  // namespace

void append_utf8(std::string& out, char32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    out += kReplacement;
  } else if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool is_valid_utf8(std::string_view text) {
  return scan_utf8(text).valid == text.size();
}

std::string to_utf8_lenient(std::string_view text) {
  const auto scan = scan_utf8(text);
  if (scan.valid == text.size()) return std::string(text);
  if (scan.truncated_tail && scan.non_ascii) {
    std::string out(text.substr(0, scan.valid));
    out += kReplacement;
    return out;
  }
  return decode_gb18030(text).text;
}

std::string to_utf8_lenient(byte_view data) {
  return to_utf8_lenient(as_chars(data));
}

std::string from_bmp_string(byte_view data) {
  std::string out;
  const std::size_t n = data.size();
  for (std::size_t i = 0; i + 1 < n; i += 2) {
    const auto unit = static_cast<char32_t>((data[i] << 8) | data[i + 1]);
    if (unit >= 0xD800 && unit <= 0xDBFF && i + 3 < n) {
      const auto low = static_cast<char32_t>((data[i + 2] << 8) | data[i + 3]);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        append_utf8(out, 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00));
        i += 2;
        continue;
      }
    }
    append_utf8(out, unit);  // a lone surrogate comes out as U+FFFD
  }
  if (n % 2 != 0) out += kReplacement;
  return out;
}

std::string from_universal_string(byte_view data) {
  std::string out;
  const std::size_t n = data.size();
  for (std::size_t i = 0; i + 3 < n; i += 4) {
    const auto cp =
        static_cast<char32_t>((static_cast<std::uint32_t>(data[i]) << 24) |
                              (static_cast<std::uint32_t>(data[i + 1]) << 16) |
                              (static_cast<std::uint32_t>(data[i + 2]) << 8) | data[i + 3]);
    append_utf8(out, cp);
  }
  if (n % 4 != 0) out += kReplacement;
  return out;
}

std::string from_t61_string(byte_view data) {
  const auto text = as_chars(data);
  if (is_valid_utf8(text)) return std::string(text);
  auto gb = decode_gb18030(text);
  if (gb.clean) return std::move(gb.text);
  return from_latin1(data);
}

}  // namespace sealbridge
