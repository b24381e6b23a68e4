// Fuzz target: raw bytes on a connection to the real server (loopback_server.hpp): request
// heads, bodies, pipelined requests, smuggling attempts, upgrades, TLS-looking openings. Every
// connection must end (answered or closed) without a crash, a sanitizer report or a hang, and
// nothing the server writes may grant a wildcard origin.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tests/fuzz/loopback_server.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& server = sealbridge::fuzz::loopback_server::instance();
  const auto request =
      server.with_port(std::string_view(reinterpret_cast<const char*>(data), size));
  const auto reply = server.exchange(request);
  if (!reply.empty() && reply.rfind("HTTP/1.1 ", 0) != 0 && reply.rfind("HTTP/1.0 ", 0) != 0) {
    __builtin_trap();  // whatever the server writes first is an HTTP response
  }
  if (reply.find("Access-Control-Allow-Origin: *") != std::string::npos) __builtin_trap();
  server.forget_documents();
  return 0;
}
