#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "pdf_text/placed_glyph.hpp"

namespace sealbridge::pdf {

// The text as matching sees it: whitespace dropped, full-width ASCII forms (（ ： Ａ) folded to
// ASCII, ligatures spelt out, radical and compatibility ideographs replaced by the unified one.
std::u32string match_form(std::u32string_view text);

// UTF-8 to code points; an invalid sequence becomes U+FFFD.
std::u32string utf8_to_u32(std::string_view text);

// Whether `next` carries on the line of `prev`: the same baseline direction, close to where
// `prev` left the pen (word gaps allowed, a new line or column not).
bool continues_line(const placed_glyph& prev, const placed_glyph& next);

// The boxes (union of the glyph boxes) of every non-overlapping occurrence of `needle`, already
// in match_form and not empty, in the glyphs' order.
std::vector<std::array<double, 4>> find_in_glyphs(const std::vector<placed_glyph>& glyphs,
                                                  std::u32string_view needle);

}  // namespace sealbridge::pdf
