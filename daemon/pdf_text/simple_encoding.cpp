#include "pdf_text/simple_encoding.hpp"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <optional>
#include <unordered_map>

namespace sealbridge::pdf {
namespace {

// WinAnsiEncoding (PDF 32000 Annex D) from 0x20 on; the Unicode value of each is cp1252's.
constexpr const char* kWinAnsi[] = {
    "space", "exclam", "quotedbl", "numbersign", "dollar", "percent", "ampersand", "quotesingle",
    "parenleft", "parenright", "asterisk", "plus", "comma", "hyphen", "period", "slash", "zero",
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "colon", "semicolon",
    "less", "equal", "greater", "question", "at", "A", "B", "C", "D", "E", "F", "G", "H", "I", "J",
    "K", "L", "M", "N", "O", "P", "Q", "R", "S", "T", "U", "V", "W", "X", "Y", "Z", "bracketleft",
    "backslash", "bracketright", "asciicircum", "underscore", "grave", "a", "b", "c", "d", "e", "f",
    "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y",
    "z", "braceleft", "bar", "braceright", "asciitilde", "",
    // 0x80
    "Euro", "", "quotesinglbase", "florin", "quotedblbase", "ellipsis", "dagger", "daggerdbl",
    "circumflex", "perthousand", "Scaron", "guilsinglleft", "OE", "", "Zcaron", "", "", "quoteleft",
    "quoteright", "quotedblleft", "quotedblright", "bullet", "endash", "emdash", "tilde",
    "trademark", "scaron", "guilsinglright", "oe", "", "zcaron", "Ydieresis",
    // 0xA0
    "space", "exclamdown", "cent", "sterling", "currency", "yen", "brokenbar", "section",
    "dieresis", "copyright", "ordfeminine", "guillemotleft", "logicalnot", "hyphen", "registered",
    "macron", "degree", "plusminus", "twosuperior", "threesuperior", "acute", "mu", "paragraph",
    "periodcentered", "cedilla", "onesuperior", "ordmasculine", "guillemotright", "onequarter",
    "onehalf", "threequarters", "questiondown", "Agrave", "Aacute", "Acircumflex", "Atilde",
    "Adieresis", "Aring", "AE", "Ccedilla", "Egrave", "Eacute", "Ecircumflex", "Edieresis",
    "Igrave", "Iacute", "Icircumflex", "Idieresis", "Eth", "Ntilde", "Ograve", "Oacute",
    "Ocircumflex", "Otilde", "Odieresis", "multiply", "Oslash", "Ugrave", "Uacute", "Ucircumflex",
    "Udieresis", "Yacute", "Thorn", "germandbls", "agrave", "aacute", "acircumflex", "atilde",
    "adieresis", "aring", "ae", "ccedilla", "egrave", "eacute", "ecircumflex", "edieresis",
    "igrave", "iacute", "icircumflex", "idieresis", "eth", "ntilde", "ograve", "oacute",
    "ocircumflex", "otilde", "odieresis", "divide", "oslash", "ugrave", "uacute", "ucircumflex",
    "udieresis", "yacute", "thorn", "ydieresis"};
static_assert(std::size(kWinAnsi) == 0x100 - 0x20);

constexpr char16_t kCp1252High[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

// StandardEncoding's upper half, where it differs from WinAnsi's layout.
constexpr std::pair<std::uint8_t, const char*> kStandardHigh[] = {{0xA1, "exclamdown"},
                                                                  {0xA2, "cent"},
                                                                  {0xA3, "sterling"},
                                                                  {0xA4, "fraction"},
                                                                  {0xA5, "yen"},
                                                                  {0xA6, "florin"},
                                                                  {0xA7, "section"},
                                                                  {0xA8, "currency"},
                                                                  {0xA9, "quotesingle"},
                                                                  {0xAA, "quotedblleft"},
                                                                  {0xAB, "guillemotleft"},
                                                                  {0xAC, "guilsinglleft"},
                                                                  {0xAD, "guilsinglright"},
                                                                  {0xAE, "fi"},
                                                                  {0xAF, "fl"},
                                                                  {0xB1, "endash"},
                                                                  {0xB2, "dagger"},
                                                                  {0xB3, "daggerdbl"},
                                                                  {0xB4, "periodcentered"},
                                                                  {0xB6, "paragraph"},
                                                                  {0xB7, "bullet"},
                                                                  {0xB8, "quotesinglbase"},
                                                                  {0xB9, "quotedblbase"},
                                                                  {0xBA, "quotedblright"},
                                                                  {0xBB, "guillemotright"},
                                                                  {0xBC, "ellipsis"},
                                                                  {0xBD, "perthousand"},
                                                                  {0xBF, "questiondown"},
                                                                  {0xC1, "grave"},
                                                                  {0xC2, "acute"},
                                                                  {0xC3, "circumflex"},
                                                                  {0xC4, "tilde"},
                                                                  {0xC5, "macron"},
                                                                  {0xC6, "breve"},
                                                                  {0xC7, "dotaccent"},
                                                                  {0xC8, "dieresis"},
                                                                  {0xCA, "ring"},
                                                                  {0xCB, "cedilla"},
                                                                  {0xCD, "hungarumlaut"},
                                                                  {0xCE, "ogonek"},
                                                                  {0xCF, "caron"},
                                                                  {0xD0, "emdash"},
                                                                  {0xE1, "AE"},
                                                                  {0xE3, "ordfeminine"},
                                                                  {0xE8, "Lslash"},
                                                                  {0xE9, "Oslash"},
                                                                  {0xEA, "OE"},
                                                                  {0xEB, "ordmasculine"},
                                                                  {0xF1, "ae"},
                                                                  {0xF5, "dotlessi"},
                                                                  {0xF8, "lslash"},
                                                                  {0xF9, "oslash"},
                                                                  {0xFA, "oe"},
                                                                  {0xFB, "germandbls"}};

// Names outside WinAnsi that Latin text fonts commonly use.
constexpr std::pair<const char*, const char*> kExtraNames[] = {{"fi", "fi"},
                                                               {"fl", "fl"},
                                                               {"ff", "ff"},
                                                               {"ffi", "ffi"},
                                                               {"ffl", "ffl"},
                                                               {"fraction", "\u2044"},
                                                               {"dotlessi", "\u0131"},
                                                               {"Lslash", "\u0141"},
                                                               {"lslash", "\u0142"},
                                                               {"breve", "\u02D8"},
                                                               {"dotaccent", "\u02D9"},
                                                               {"ring", "\u02DA"},
                                                               {"ogonek", "\u02DB"},
                                                               {"hungarumlaut", "\u02DD"},
                                                               {"caron", "\u02C7"},
                                                               {"minus", "\u2212"},
                                                               {"nbspace", "\u00A0"},
                                                               {"sfthyphen", "\u00AD"},
                                                               {"quoteright", "\u2019"},
                                                               {"quoteleft", "\u2018"},
                                                               {"middot", "\u00B7"},
                                                               {"Omega", "\u03A9"},
                                                               {"mu", "\u00B5"},
                                                               {"Delta", "\u2206"},
                                                               {"space", " "}};

std::u32string utf8_literal(std::string_view s) {
  std::u32string out;
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    char32_t c = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
    for (std::size_t k = 1; k < n && i + k < s.size(); ++k)
      c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(c);
    i += n;
  }
  return out;
}

const std::unordered_map<std::string_view, std::u32string>& name_table() {
  static const auto table = [] {
    std::unordered_map<std::string_view, std::u32string> t;
    for (int code = 0x20; code < 0x100; ++code) {
      const std::string_view name = kWinAnsi[code - 0x20];
      if (name.empty() || t.count(name)) continue;
      char32_t u = static_cast<char32_t>(code);
      if (code >= 0x80 && code < 0xA0) u = kCp1252High[code - 0x80];
      t.emplace(name, std::u32string(1, u));
    }
    for (const auto& [name, text] : kExtraNames) t[name] = utf8_literal(text);
    return t;
  }();
  return table;
}

std::optional<char32_t> hex_value(std::string_view digits) {
  if (digits.empty() || digits.size() > 6) return std::nullopt;
  char32_t v = 0;
  for (char c : digits) {
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                   : -1;
    if (d < 0) return std::nullopt;
    v = (v << 4) | static_cast<char32_t>(d);
  }
  if (v > 0x10FFFF || (v >= 0xD800 && v < 0xE000)) return std::nullopt;
  return v;
}

}  // namespace

glyph_names names_of(base_encoding encoding) {
  glyph_names names;
  for (int code = 0x20; code < 0x7F; ++code) names[code] = kWinAnsi[code - 0x20];
  if (encoding == base_encoding::win_ansi) {
    for (int code = 0x7F; code < 0x100; ++code) names[code] = kWinAnsi[code - 0x20];
  } else if (encoding == base_encoding::standard) {
    names[0x27] = "quoteright";
    names[0x60] = "quoteleft";
    for (const auto& [code, name] : kStandardHigh) names[code] = name;
  }
  return names;
}

std::u32string glyph_name_text(std::string_view name) {
  // "a.sc", "f_i": suffixes after a period are variants of the same text.
  name = name.substr(0, name.find('.'));
  if (name.empty()) return {};
  const auto& table = name_table();
  if (auto it = table.find(name); it != table.end()) return it->second;
  if (name.size() >= 7 && name.substr(0, 3) == "uni" && (name.size() - 3) % 4 == 0) {
    std::u32string out;
    for (std::size_t i = 3; i < name.size(); i += 4) {
      auto v = hex_value(name.substr(i, 4));
      if (!v) return {};
      out.push_back(*v);
    }
    return out;
  }
  if (name.size() >= 5 && name.size() <= 7 && name[0] == 'u') {
    if (auto v = hex_value(name.substr(1))) return std::u32string(1, *v);
  }
  if (name.find('_') != std::string_view::npos) {
    std::u32string out;
    std::size_t start = 0;
    while (start <= name.size()) {
      const std::size_t end = std::min(name.find('_', start), name.size());
      auto part = glyph_name_text(name.substr(start, end - start));
      if (part.empty()) return {};
      out += part;
      start = end + 1;
    }
    return out;
  }
  return {};
}

}  // namespace sealbridge::pdf
