#pragma once

#include <array>
#include <string>

namespace sealbridge::pdf {

// A point or vector in the page's default user space.
struct point {
  double x = 0;
  double y = 0;
};

// One glyph as painted on the page, in default user space.
struct placed_glyph {
  std::u32string text;
  std::array<double, 4> box;  // llx, lly, urx, ury
  point origin;               // where the glyph was drawn
  point pen_after;            // where the next glyph of the same line would start
  point direction;            // unit vector of the baseline
  double em;                  // the font size measured in user space
};

}  // namespace sealbridge::pdf
