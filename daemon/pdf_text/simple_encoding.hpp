#pragma once

#include <array>
#include <string>
#include <string_view>

namespace sealbridge::pdf {

// The glyph names of a simple font's 256 codes; empty where the encoding leaves a code unused.
using glyph_names = std::array<std::string, 256>;

enum class base_encoding { standard, win_ansi, mac_roman };

// The names of a predefined encoding. MacRoman shares WinAnsi's printable ASCII half; its upper
// half is not tabled (rare in current producers) and stays empty.
glyph_names names_of(base_encoding encoding);

// The text a glyph name stands for: Adobe Glyph List names of Latin text, "uniXXXX",
// "uXXXX[XX]", ligatures as their letters. Empty for names it does not know.
std::u32string glyph_name_text(std::string_view name);

}  // namespace sealbridge::pdf
