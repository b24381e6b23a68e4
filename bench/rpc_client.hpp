#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

// A blocking JSON-RPC client over the daemon's WebSocket (/ws), as a portal page would talk,
// with the page's Origin. Requests can be sent ahead of their replies (pipelining).
namespace sealbridge::bench {

class rpc_client {
 public:
  rpc_client(std::uint16_t port, const std::string& origin);
  ~rpc_client();
  rpc_client(const rpc_client&) = delete;
  rpc_client& operator=(const rpc_client&) = delete;

  // Sends a request and returns its id without waiting.
  std::uint64_t send(const std::string& method, const nlohmann::json& params);
  // The next message from the daemon: a reply or a notification.
  nlohmann::json receive();
  // send + receive until the reply with that id; notifications in between are dropped.
  nlohmann::json call(const std::string& method, const nlohmann::json& params);
  // Bounds every later receive(): past it, receive() throws instead of waiting on.
  void set_receive_timeout(std::chrono::milliseconds timeout);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
  std::uint64_t next_id_ = 1;
};

// POST /documents with `body`; the JSON answer ({"document", "size", "sha256"}).
nlohmann::json upload_document(std::uint16_t port, const std::string& origin,
                               const std::string& body);

// The result of a reply, or an exception carrying its error.
nlohmann::json result_of(nlohmann::json reply);

}  // namespace sealbridge::bench
