#pragma once

// Internal to daemon/net: shared by the listener and the sessions. Includes Asio, so no header
// outside daemon/net may include it.

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <mutex>
#include <utility>

#include "api/request_handler.hpp"
#include "net/gate.hpp"
#include "net/server.hpp"

namespace sealbridge::net {

struct server_state {
  server_state(server_options opts, api::request_handler& h, std::uint16_t bound_port)
      : options(std::move(opts)), handler(h), gate_rules(bound_port, options.allowed_origins) {}

  const server_options options;
  api::request_handler& handler;
  const gate gate_rules;
  std::unique_ptr<boost::asio::ssl::context> tls;  // null when TLS is not configured
  std::atomic<std::size_t> live_connections{0};

  // Reply callbacks and notification pushes come from other threads and may outlive the
  // io_context; `open` (guarded by `mutex`) tells them whether posting is still safe.
  std::mutex mutex;
  bool open = true;

  template <class Executor, class Function>
  void post_if_open(const Executor& executor, Function&& function) {
    std::lock_guard lock(mutex);
    if (open) boost::asio::post(executor, std::forward<Function>(function));
  }

  void close() {
    std::lock_guard lock(mutex);
    open = false;
  }
};

// Counts one live connection for as long as the session that owns it exists, so the listener
// can enforce limits::max_connections across detect, HTTP and WebSocket stages.
class connection_slot {
 public:
  explicit connection_slot(std::shared_ptr<server_state> state) : state_(std::move(state)) {
    ++state_->live_connections;
  }
  connection_slot(connection_slot&& other) noexcept = default;
  connection_slot& operator=(connection_slot&&) = delete;
  connection_slot(const connection_slot&) = delete;
  connection_slot& operator=(const connection_slot&) = delete;
  ~connection_slot() {
    if (state_) --state_->live_connections;
  }

  server_state& state() const noexcept { return *state_; }
  const std::shared_ptr<server_state>& shared_state() const noexcept { return state_; }

 private:
  std::shared_ptr<server_state> state_;
};

}  // namespace sealbridge::net
