#include "pdf_text/text_match.hpp"

#include <catch2/catch.hpp>

using namespace sealbridge::pdf;

namespace {

// A glyph of a horizontal 10 pt line whose pen starts at x.
placed_glyph glyph_at(char32_t c, double x, double y = 100) {
  placed_glyph g;
  g.text = std::u32string(1, c);
  g.box = {x, y - 2, x + 10, y + 8};
  g.origin = {x, y};
  g.pen_after = {x + 10, y};
  g.direction = {1, 0};
  g.em = 10;
  return g;
}

}  // namespace

TEST_CASE("match form folds full-width forms, spaces, ligatures and radicals", "[pdf_text]") {
  CHECK(match_form(U"投标人（盖章）：") == U"投标人(盖章):");
  CHECK(match_form(U" a\tb\u3000c\u00A0") == U"abc");
  CHECK(match_form(U"\uFB01le") == U"file");
  CHECK(match_form(U"\u2F47") == U"\u65E5");  // KANGXI RADICAL SUN -> 日
  CHECK(match_form(U"\uF900") == U"\u8C48");  // a CJK compatibility ideograph
  CHECK(match_form(U"ＡＢ１") == U"AB1");
}

TEST_CASE("UTF-8 decoding replaces invalid sequences", "[pdf_text]") {
  CHECK(utf8_to_u32("盖章") == U"盖章");
  CHECK(utf8_to_u32("a\xC0\xAF"
                    "b") == U"a\uFFFD\uFFFDb");                 // overlong '/'
  CHECK(utf8_to_u32("\xE7\x9B") == U"\uFFFD\uFFFD");            // truncated
  CHECK(utf8_to_u32("\xED\xA0\x80") == U"\uFFFD\uFFFD\uFFFD");  // surrogate
}

TEST_CASE("a line continues across word gaps, not to another line or column", "[pdf_text]") {
  const auto a = glyph_at(U'a', 0);
  CHECK(continues_line(a, glyph_at(U'b', 10)));
  CHECK(continues_line(a, glyph_at(U'b', 35)));           // a wide justified gap
  CHECK(continues_line(a, glyph_at(U'b', 12, 103)));      // a superscript
  CHECK_FALSE(continues_line(a, glyph_at(U'b', 60)));     // the next cell
  CHECK_FALSE(continues_line(a, glyph_at(U'b', 0, 88)));  // the next line
  CHECK_FALSE(continues_line(a, glyph_at(U'b', -20)));    // back to the line start
  auto up = glyph_at(U'b', 10);
  up.direction = {0, 1};
  CHECK_FALSE(continues_line(a, up));
}

TEST_CASE("find_in_glyphs unions the boxes of each occurrence", "[pdf_text]") {
  std::vector<placed_glyph> glyphs;
  const std::u32string line = U"盖章处 盖章处";
  for (std::size_t i = 0; i < line.size(); ++i)
    glyphs.push_back(glyph_at(line[i], 10.0 * static_cast<double>(i)));
  glyphs.push_back(glyph_at(U'盖', 0, 50));  // a new line: no match across the break
  glyphs.push_back(glyph_at(U'章', 10, 50));

  const auto boxes = find_in_glyphs(glyphs, U"盖章处");
  REQUIRE(boxes.size() == 2);
  CHECK(boxes[0] == std::array<double, 4>{0, 98, 30, 108});
  CHECK(boxes[1] == std::array<double, 4>{40, 98, 70, 108});
  CHECK(find_in_glyphs(glyphs, U"处盖").size() == 1);    // across the space glyph
  CHECK(find_in_glyphs(glyphs, U"处盖章").size() == 1);  // but not into the next line
  CHECK(find_in_glyphs(glyphs, U"aaa").empty());
}

TEST_CASE("occurrences do not overlap and matching stays linear", "[pdf_text]") {
  std::vector<placed_glyph> glyphs;
  for (int i = 0; i < 5; ++i) glyphs.push_back(glyph_at(U'a', 10.0 * i));
  CHECK(find_in_glyphs(glyphs, U"aa").size() == 2);
  CHECK(find_in_glyphs(glyphs, U"aab").empty());
}
