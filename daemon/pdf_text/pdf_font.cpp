#include "pdf_text/pdf_font.hpp"

#include <iconv.h>

#include <cmath>

#include "pdf_text/object_access.hpp"
#include "pdf_text/simple_encoding.hpp"

namespace sealbridge::pdf {
namespace {

constexpr char32_t kUnknown = 0xFFFD;
constexpr std::size_t kMaxWidthEntries = 0x10000;

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::optional<cmap> read_cmap(QPDFObjectHandle stream, work_budget& budget) {
  if (!stream.isStream()) return std::nullopt;
  return cmap::parse(stream_data(stream, budget), budget);
}

// GB 18030 covers GB 2312 (EUC-CN) and GBK, so one converter serves every GB*-EUC CMap.
std::u32string gb18030_to_u32(std::string_view bytes) {
  iconv_t cd = iconv_open("UTF-32BE", "GB18030");
  if (cd == reinterpret_cast<iconv_t>(-1)) return {kUnknown};
  std::string in(bytes);
  char out[16];
  char* in_ptr = in.data();
  char* out_ptr = out;
  std::size_t in_left = in.size();
  std::size_t out_left = sizeof out;
  const std::size_t rc = iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left);
  iconv_close(cd);
  if (rc == static_cast<std::size_t>(-1) || out_left != sizeof out - 4) return {kUnknown};
  char32_t c = 0;
  for (int i = 0; i < 4; ++i) c = (c << 8) | static_cast<unsigned char>(out[i]);
  return {c};
}

std::size_t gb18030_length(std::string_view bytes) {
  const auto lead = static_cast<unsigned char>(bytes[0]);
  if (lead < 0x81 || lead > 0xFE || bytes.size() < 2) return 1;
  const auto second = static_cast<unsigned char>(bytes[1]);
  if (second >= 0x30 && second <= 0x39 && bytes.size() >= 4) return 4;
  return 2;
}

}  // namespace

pdf_font pdf_font::fallback() {
  pdf_font font;
  const auto names = names_of(base_encoding::win_ansi);
  for (std::size_t code = 0; code < 256; ++code) {
    font.simple_text_[code] = glyph_name_text(names[code]);
    font.simple_widths_[code] = 500;
  }
  return font;
}

pdf_font pdf_font::load(QPDFObjectHandle font_dict, work_budget& budget) {
  pdf_font font;
  if (!font_dict.isDictionary()) return fallback();
  if (auto tu = read_cmap(dict_key(font_dict, "/ToUnicode"), budget))
    font.to_unicode_ = std::move(tu);
  if (name_of(dict_key(font_dict, "/Subtype")) == "/Type0") {
    font.load_composite(font_dict, budget);
  } else {
    font.load_simple(font_dict, budget);
  }
  return font;
}

void pdf_font::load_metrics(QPDFObjectHandle descriptor) {
  // Broken producers write 0, huge values or the wrong sign; keep the default for those.
  if (auto a = number_of(dict_key(descriptor, "/Ascent"))) {
    const double em = std::fabs(*a) * 0.001;
    if (em > 0.0 && em < 3.0) ascent_ = em;
  }
  if (auto d = number_of(dict_key(descriptor, "/Descent"))) {
    const double em = -std::fabs(*d) * 0.001;
    if (em < 0.0 && em > -3.0) descent_ = em;
  }
}

void pdf_font::load_simple(QPDFObjectHandle font, work_budget& budget) {
  const auto subtype = name_of(dict_key(font, "/Subtype")).value_or("");
  auto descriptor = dict_key(font, "/FontDescriptor");
  load_metrics(descriptor);

  if (subtype == "/Type3") {
    // Type3 glyph space maps to text space by /FontMatrix, usually [0.001 0 0 0.001 0 0].
    auto matrix = dict_key(font, "/FontMatrix");
    if (matrix.isArray() && matrix.getArrayNItems() == 6) {
      const auto a = number_of(matrix.getArrayItem(0));
      const auto d = number_of(matrix.getArrayItem(3));
      if (a && std::fabs(*a) > 1e-9 && std::fabs(*a) < 10) width_scale_ = std::fabs(*a);
      auto bbox = dict_key(font, "/FontBBox");
      if (d && bbox.isArray() && bbox.getArrayNItems() == 4) {
        const auto lly = number_of(bbox.getArrayItem(1));
        const auto ury = number_of(bbox.getArrayItem(3));
        if (lly && ury && *ury > *lly) {
          const double top = *ury * *d;
          const double bottom = *lly * *d;
          if (top > 0 && top < 3) ascent_ = top;
          if (bottom < 0 && bottom > -3) descent_ = bottom;
        }
      }
    }
  }

  // Text of each code: the base encoding, then /Differences over it.
  auto encoding = dict_key(font, "/Encoding");
  auto base = base_encoding::standard;
  auto base_name =
      name_of(encoding.isDictionary() ? dict_key(encoding, "/BaseEncoding") : encoding);
  if (base_name == "/WinAnsiEncoding") base = base_encoding::win_ansi;
  if (base_name == "/MacRomanEncoding") base = base_encoding::mac_roman;
  // TrueType fonts without an encoding are nearly always WinAnsi in practice.
  if (!base_name && subtype == "/TrueType") base = base_encoding::win_ansi;
  glyph_names names = names_of(base);
  auto differences = dict_key(encoding, "/Differences");
  if (encoding.isDictionary() && differences.isArray()) {
    const int n = std::min(differences.getArrayNItems(), 4096);
    int code = -1;
    for (int i = 0; i < n; ++i) {
      auto item = differences.getArrayItem(i);
      if (auto c = number_of(item)) {
        code = *c >= 0 && *c < 256 ? static_cast<int>(*c) : -1;
      } else if (auto name = name_of(item); name && code >= 0 && code < 256) {
        names[static_cast<std::size_t>(code)] = name->substr(1);
        ++code;
      }
    }
  }
  for (std::size_t code = 0; code < 256; ++code) {
    auto text = glyph_name_text(names[code]);
    simple_text_[code] = text.empty() ? std::u32string(1, kUnknown) : std::move(text);
  }

  // Widths: /Widths from /FirstChar, /MissingWidth elsewhere.
  default_width_ = number_of(dict_key(descriptor, "/MissingWidth")).value_or(0.0);
  if (default_width_ <= 0) default_width_ = subtype == "/Type3" ? 0 : 500;
  simple_widths_.fill(default_width_);
  auto widths = dict_key(font, "/Widths");
  const auto first = number_of(dict_key(font, "/FirstChar")).value_or(0.0);
  if (widths.isArray() && first >= 0 && first < 256) {
    const int n = std::min(widths.getArrayNItems(), 256);
    budget.spend_table_entries(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      const std::size_t code = static_cast<std::size_t>(first) + static_cast<std::size_t>(i);
      if (code >= 256) break;
      if (auto w = number_of(widths.getArrayItem(i))) simple_widths_[code] = *w;
    }
  }
}

void pdf_font::load_composite(QPDFObjectHandle font, work_budget& budget) {
  composite_ = true;
  auto encoding = dict_key(font, "/Encoding");
  if (encoding.isStream()) {
    cid_encoding_ = cid_encoding::embedded;
    encoding_cmap_ = read_cmap(encoding, budget);
  } else if (auto name = name_of(encoding)) {
    // Predefined CMaps other than Identity: their CIDs need Adobe's tables, which we do not
    // ship, so widths fall back to /DW; their codes still give the text.
    if (ends_with(*name, "-UCS2-H") || ends_with(*name, "-UCS2-V")) {
      cid_encoding_ = cid_encoding::ucs2;
    } else if (ends_with(*name, "-UTF16-H") || ends_with(*name, "-UTF16-V")) {
      cid_encoding_ = cid_encoding::utf16;
    } else if (name->rfind("/GB", 0) == 0) {
      cid_encoding_ = cid_encoding::gb18030;
    }
  }

  auto descendants = dict_key(font, "/DescendantFonts");
  auto cid_font = descendants.isArray() && descendants.getArrayNItems() > 0
                      ? descendants.getArrayItem(0)
                      : QPDFObjectHandle::newNull();
  load_metrics(dict_key(cid_font, "/FontDescriptor"));
  default_width_ = number_of(dict_key(cid_font, "/DW")).value_or(1000.0);

  // /W: "c [w1 w2 ...]" or "c_first c_last w".
  auto w = dict_key(cid_font, "/W");
  if (!w.isArray()) return;
  const int n = w.getArrayNItems();
  budget.spend_table_entries(static_cast<std::size_t>(n));
  for (int i = 0; i + 1 < n;) {
    const auto first = number_of(w.getArrayItem(i));
    auto next = w.getArrayItem(i + 1);
    if (!first || *first < 0 || *first > 0xFFFFFF) break;
    const auto cid = static_cast<std::uint32_t>(*first);
    if (next.isArray()) {
      const int m = next.getArrayNItems();
      budget.spend_table_entries(static_cast<std::size_t>(m));
      for (int k = 0; k < m && cid_widths_.size() < kMaxWidthEntries; ++k) {
        if (auto width = number_of(next.getArrayItem(k)))
          cid_widths_[cid + static_cast<std::uint32_t>(k)] = *width;
      }
      i += 2;
      continue;
    }
    if (i + 2 >= n) break;
    const auto last = number_of(next);
    const auto width = number_of(w.getArrayItem(i + 2));
    if (!last || !width || *last < *first || *last - *first > 0xFFFF) break;
    const auto count = static_cast<std::uint32_t>(*last - *first) + 1;
    budget.spend_table_entries(count);
    for (std::uint32_t k = 0; k < count && cid_widths_.size() < kMaxWidthEntries; ++k)
      cid_widths_[cid + k] = *width;
    i += 3;
  }
}

std::u32string pdf_font::predefined_text(std::uint32_t code, std::size_t length) const {
  switch (cid_encoding_) {
    case cid_encoding::ucs2:
      return {static_cast<char32_t>(code)};
    case cid_encoding::utf16: {
      std::string be;
      for (std::size_t i = length; i-- > 0;)
        be.push_back(static_cast<char>((code >> (8 * i)) & 0xFF));
      auto text = utf16be_to_u32(be);
      return text.empty() ? std::u32string(1, kUnknown) : text;
    }
    case cid_encoding::gb18030: {
      std::string bytes;
      for (std::size_t i = length; i-- > 0;)
        bytes.push_back(static_cast<char>((code >> (8 * i)) & 0xFF));
      return gb18030_to_u32(bytes);
    }
    default:
      return {kUnknown};
  }
}

shown_glyph pdf_font::composite_glyph(std::string_view& bytes) const {
  char_code code{};
  switch (cid_encoding_) {
    case cid_encoding::embedded:
      if (encoding_cmap_ && encoding_cmap_->has_code_space()) {
        code = encoding_cmap_->next_code(bytes);
        break;
      }
      [[fallthrough]];
    case cid_encoding::identity:
    case cid_encoding::ucs2:
      code = {big_endian_code(bytes.substr(0, 2)), std::min<std::size_t>(2, bytes.size())};
      break;
    case cid_encoding::utf16: {
      const auto lead = static_cast<unsigned char>(bytes[0]);
      const std::size_t n = lead >= 0xD8 && lead < 0xDC && bytes.size() >= 4 ? 4 : 2;
      code = {big_endian_code(bytes.substr(0, n)), std::min(n, bytes.size())};
      break;
    }
    case cid_encoding::gb18030: {
      const std::size_t n = gb18030_length(bytes);
      code = {big_endian_code(bytes.substr(0, n)), n};
      break;
    }
  }
  bytes.remove_prefix(code.length);

  // Identity maps code to CID; the other predefined CMaps' CIDs are unknown here.
  std::optional<std::uint32_t> known_cid = code.value;
  if (cid_encoding_ == cid_encoding::embedded)
    known_cid = encoding_cmap_ ? encoding_cmap_->cid(code.value) : std::nullopt;
  if (cid_encoding_ == cid_encoding::ucs2 || cid_encoding_ == cid_encoding::utf16 ||
      cid_encoding_ == cid_encoding::gb18030)
    known_cid.reset();

  shown_glyph glyph{{}, default_width_ * width_scale_, false};
  if (known_cid) {
    if (auto it = cid_widths_.find(*known_cid); it != cid_widths_.end())
      glyph.advance = it->second * width_scale_;
  }
  if (to_unicode_) {
    if (const auto* text = to_unicode_->unicode(code.value)) glyph.text = *text;
  }
  if (glyph.text.empty()) glyph.text = predefined_text(code.value, code.length);
  // A code of one byte 32 takes word spacing even in a composite font (PDF 32000 9.3.3).
  glyph.word_space = code.length == 1 && code.value == 32;
  return glyph;
}

shown_glyph pdf_font::next_glyph(std::string_view& bytes) const {
  if (composite_) return composite_glyph(bytes);
  const auto code = static_cast<unsigned char>(bytes[0]);
  bytes.remove_prefix(1);
  shown_glyph glyph{{}, simple_widths_[code] * width_scale_, code == 32};
  if (to_unicode_) {
    if (const auto* text = to_unicode_->unicode(code)) glyph.text = *text;
  }
  if (glyph.text.empty()) glyph.text = simple_text_[code];
  return glyph;
}

}  // namespace sealbridge::pdf
