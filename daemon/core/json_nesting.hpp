#pragma once

#include <cstddef>
#include <string_view>

namespace sealbridge {

// True when arrays/objects in `text` nest deeper than `max_depth`. Linear, no recursion;
// brackets inside strings do not count; malformed text is left to the parser. Run on outside
// JSON before parsing it: nlohmann's parser has no depth limit, and copying or destroying a
// deep value recurses.
bool json_nesting_exceeds(std::string_view text, std::size_t max_depth) noexcept;

}  // namespace sealbridge
