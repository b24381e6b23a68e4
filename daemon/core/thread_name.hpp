#pragma once

#include <string_view>

namespace sealbridge {

// Names the calling thread as `top -H`, perf, gdb and the benchmarks' per-thread CPU figures
// show it. Linux keeps 15 bytes, so names are short and the distinctive part comes first.
// Best effort: a name that cannot be set is not an error.
void name_this_thread(std::string_view name) noexcept;

}  // namespace sealbridge
