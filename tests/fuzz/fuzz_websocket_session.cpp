// Fuzz target: WebSocket frames from a page, through the real server's session
// (loopback_server.hpp) after a valid upgrade from an allowed origin: text and binary frames,
// fragments, control frames, bad masks and lengths, invalid UTF-8, JSON-RPC calls that make the
// session reply, push notifications and hit its limits. The session must end cleanly when the
// client stops sending, whatever came before.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tests/fuzz/loopback_server.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& server = sealbridge::fuzz::loopback_server::instance();
  (void)server.websocket_exchange(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
