#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace sealbridge::tray {

// One JSON-RPC answer from the daemon, or why there was none.
struct rpc_reply {
  bool connected = false;  // false: nothing listens on the port (daemon not running)
  bool reached = false;    // false: no HTTP answer at all (not running, or no answer in time)
  std::string failure;     // technical reason when !reached or the reply was not JSON-RPC
  bool is_error = false;   // the daemon answered with a JSON-RPC error
  std::string code;        // its stable code, e.g. "METHOD_NOT_FOUND"
  std::string message_zh;
  std::string message_en;
  nlohmann::json result;

  bool ok() const { return reached && !is_error && failure.empty(); }
};

// POST /rpc on 127.0.0.1:port like any local tool of the daemon: Host and Origin name the
// daemon's own origin, which its gate allows. Blocking, bounded by `timeout` for each of
// connect, send and every read; call it off the GTK main thread.
rpc_reply call_rpc(std::uint16_t port, const std::string& method,
                   const nlohmann::json& params = nlohmann::json::object(),
                   std::chrono::milliseconds timeout = std::chrono::seconds{10});

// The HTTP response text split up; exposed for tests. Returns false when it is not HTTP/1.1.
bool parse_http_response(const std::string& raw, int& status, std::string& body);

}  // namespace sealbridge::tray
