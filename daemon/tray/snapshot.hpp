#pragma once

#include <cstdint>

#include "tray_state.hpp"

namespace sealbridge::tray {

// One poll of the daemon on `port`: system.info, then token.list, cert.list and seal.list for
// every key. Blocking (several RPCs); both trays call it off their UI thread.
daemon_snapshot take_snapshot(std::uint16_t port);

}  // namespace sealbridge::tray
