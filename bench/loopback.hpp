#pragma once

#include <chrono>
#include <cstddef>

namespace sealbridge::bench {

// Mean round trip of `size`-byte messages between two threads over a loopback TCP connection
// (TCP_NODELAY), the part of a WebSocket call that is not the daemon's own doing.
std::chrono::nanoseconds loopback_round_trip(std::size_t size, int rounds);

}  // namespace sealbridge::bench
