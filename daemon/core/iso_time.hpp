#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sealbridge {

using sys_seconds = std::chrono::sys_seconds;

// "2026-11-22T08:30:00Z"
std::string to_iso8601(sys_seconds t);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)" and a bare date "YYYY-MM-DD" (midnight UTC).
std::optional<sys_seconds> parse_iso8601(std::string_view text);
// Whole days from `now` to `until`, rounded toward minus infinity (an expired item is negative).
long days_between(sys_seconds now, sys_seconds until);

}  // namespace sealbridge
