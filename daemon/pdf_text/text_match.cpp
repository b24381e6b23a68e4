#include "pdf_text/text_match.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "pdf_text/cjk_compat.hpp"

namespace sealbridge::pdf {
namespace {

// Marks a line break in the searched text; never part of a needle in match_form.
constexpr char32_t kBreak = 0;

bool is_space(char32_t c) {
  return c <= 0x20 || c == 0x7F || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200B) ||
         c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

void append_match_form(char32_t c, std::u32string& out) {
  if (is_space(c)) return;
  if (c >= 0xFF01 && c <= 0xFF5E) {
    out.push_back(c - 0xFEE0);
    return;
  }
  switch (c) {
    case 0xFB00:
      out += U"ff";
      return;
    case 0xFB01:
      out += U"fi";
      return;
    case 0xFB02:
      out += U"fl";
      return;
    case 0xFB03:
      out += U"ffi";
      return;
    case 0xFB04:
      out += U"ffl";
      return;
    case 0xFB05:
    case 0xFB06:
      out += U"st";
      return;
    default:
      break;
  }
  out.push_back(unified_ideograph(c));
}

// Failure function of Knuth-Morris-Pratt: linear time whatever the page and needle hold.
std::vector<std::size_t> prefix_table(std::u32string_view needle) {
  std::vector<std::size_t> table(needle.size(), 0);
  for (std::size_t i = 1, k = 0; i < needle.size(); ++i) {
    while (k > 0 && needle[i] != needle[k]) k = table[k - 1];
    if (needle[i] == needle[k]) ++k;
    table[i] = k;
  }
  return table;
}

}  // namespace

std::u32string match_form(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (char32_t c : text) append_match_form(c, out);
  return out;
}

std::u32string utf8_to_u32(std::string_view text) {
  std::u32string out;
  for (std::size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    std::size_t n = 0;
    char32_t c = 0;
    char32_t min = 0;
    if (b < 0x80) {
      n = 1, c = b;
    } else if (b >= 0xC2 && b < 0xE0) {
      n = 2, c = b & 0x1F, min = 0x80;
    } else if (b >= 0xE0 && b < 0xF0) {
      n = 3, c = b & 0x0F, min = 0x800;
    } else if (b >= 0xF0 && b < 0xF5) {
      n = 4, c = b & 0x07, min = 0x10000;
    }
    bool ok = n > 0 && i + n <= text.size();
    for (std::size_t k = 1; ok && k < n; ++k) {
      const auto cont = static_cast<unsigned char>(text[i + k]);
      ok = (cont & 0xC0) == 0x80;
      c = (c << 6) | (cont & 0x3F);
    }
    if (ok && (c < min || c > 0x10FFFF || (c >= 0xD800 && c < 0xE000))) ok = false;
    out.push_back(ok ? c : 0xFFFD);
    i += ok ? n : 1;
  }
  return out;
}

bool continues_line(const placed_glyph& prev, const placed_glyph& next) {
  const double em = std::max(prev.em, next.em);
  if (!(em > 0)) return false;
  if (prev.direction.x * next.direction.x + prev.direction.y * next.direction.y < 0.95)
    return false;
  const double dx = next.origin.x - prev.pen_after.x;
  const double dy = next.origin.y - prev.pen_after.y;
  const double along = dx * prev.direction.x + dy * prev.direction.y;
  const double across = -dx * prev.direction.y + dy * prev.direction.x;
  // Half an em across takes sub- and superscripts; three ems along takes justified word gaps
  // and letter-spaced headings, but not the next table cell or column, usually further away.
  return std::fabs(across) <= 0.5 * em && along >= -0.5 * em && along <= 3.0 * em;
}

std::vector<std::array<double, 4>> find_in_glyphs(const std::vector<placed_glyph>& glyphs,
                                                  std::u32string_view needle) {
  std::vector<std::array<double, 4>> boxes;
  if (needle.empty()) return boxes;

  // The searched text, each code point with the glyph it came from.
  std::u32string text;
  std::vector<std::size_t> owner;
  std::u32string piece;
  for (std::size_t i = 0; i < glyphs.size(); ++i) {
    if (i > 0 && !continues_line(glyphs[i - 1], glyphs[i])) {
      text.push_back(kBreak);
      owner.push_back(i);
    }
    piece.clear();
    for (char32_t c : glyphs[i].text) append_match_form(c, piece);
    text += piece;
    owner.insert(owner.end(), piece.size(), i);
  }

  const auto table = prefix_table(needle);
  for (std::size_t i = 0, k = 0; i < text.size(); ++i) {
    while (k > 0 && text[i] != needle[k]) k = table[k - 1];
    if (text[i] == needle[k]) ++k;
    if (k < needle.size()) continue;
    const std::size_t first = owner[i + 1 - needle.size()];
    std::array<double, 4> box = glyphs[first].box;
    for (std::size_t g = first; g <= owner[i]; ++g) {
      // Whitespace glyphs inside the match (blank, tabs) add no ink: leave them out.
      if (match_form(glyphs[g].text).empty()) continue;
      box[0] = std::min(box[0], glyphs[g].box[0]);
      box[1] = std::min(box[1], glyphs[g].box[1]);
      box[2] = std::max(box[2], glyphs[g].box[2]);
      box[3] = std::max(box[3], glyphs[g].box[3]);
    }
    boxes.push_back(box);
    k = 0;  // occurrences do not overlap
  }
  return boxes;
}

}  // namespace sealbridge::pdf
