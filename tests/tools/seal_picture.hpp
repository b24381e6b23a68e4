#pragma once

#include "core/bytes.hpp"

namespace sealbridge::tools {

// A red round seal as a PNG: outer ring, inner ring and a five-pointed star on a transparent
// background, `size_px` pixels square. No text: the seal's name is in its data. 1-bit indexed
// colour keeps the seal near the size real ones have (a few KB of picture).
bytes draw_round_seal_png(unsigned size_px = 240);

}  // namespace sealbridge::tools
