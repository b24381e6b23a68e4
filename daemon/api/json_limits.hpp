#pragma once

#include <cstddef>
#include <string_view>

#include "core/json_nesting.hpp"

namespace sealbridge::api {

// Nesting deeper than any of our methods needs. Checked on the raw text before parsing: the
// parser itself is iterative, but copying or destroying a deep value recurses and a
// 200,000-deep array overflows the stack.
inline constexpr std::size_t kMaxJsonDepth = 64;
// JSON-RPC batch entries per request; one request (sign.batch) carries many items instead.
inline constexpr std::size_t kMaxBatchEntries = 100;

inline bool nesting_exceeds(std::string_view text, std::size_t max_depth) noexcept {
  return json_nesting_exceeds(text, max_depth);
}

}  // namespace sealbridge::api
