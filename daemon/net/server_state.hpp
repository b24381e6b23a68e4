#pragma once

// Internal to daemon/net: shared by the listener and the sessions. Includes Asio, so no header
// outside daemon/net may include it.

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "api/request_handler.hpp"
#include "net/byte_budget.hpp"
#include "net/connection_registry.hpp"
#include "net/gate.hpp"
#include "net/server.hpp"

namespace sealbridge::net {

struct server_state {
  server_state(server_options opts, api::request_handler& h, std::uint16_t bound_port)
      : options(std::move(opts)),
        handler(h),
        gate_rules(bound_port, options.allowed_origins),
        connections(options.limit.max_connections, options.limit.max_websockets),
        budget(options.limit.total_bytes) {}

  const server_options options;
  api::request_handler& handler;
  const gate gate_rules;
  std::unique_ptr<boost::asio::ssl::context> tls;  // null when TLS is not configured
  connection_registry connections;
  byte_budget budget;

  // Reply callbacks, notification pushes and evictions come from other threads and may outlive
  // the io_context; `open` (guarded by `mutex`) tells them whether posting is still safe.
  std::mutex mutex;
  bool open = true;

  // Runs `function(session)` on the session's executor if the session still exists and the
  // server is open. Callers on other threads hold only a weak_ptr: the session is never kept
  // alive, let alone destroyed, outside the I/O threads, and no executor outlives the
  // io_context. The strong reference taken here moves into the posted handler, so the last
  // owner of a session is always a handler of the io_context (run or destroyed with it).
  template <class Session, class Function>
  void post_to(const std::weak_ptr<Session>& weak, Function&& function) {
    std::lock_guard lock(mutex);
    if (!open) return;
    auto self = weak.lock();
    if (!self) return;
    auto executor = self->get_executor();
    boost::asio::post(
        executor, [self = std::move(self), function = std::forward<Function>(function)]() mutable {
          function(*self);
        });
  }

  // Keeps a session that waits for its handler (nothing pending on its socket) alive until
  // unpark(); close() lets go of the parked ones, so none outlives the io_context.
  void park(const void* key, std::shared_ptr<void> session) {
    std::lock_guard lock(mutex);
    if (open) parked.emplace(key, std::move(session));
  }
  std::shared_ptr<void> unpark(const void* key) {
    std::lock_guard lock(mutex);
    auto it = parked.find(key);
    if (it == parked.end()) return nullptr;
    auto session = std::move(it->second);
    parked.erase(it);
    return session;
  }

  // After close() nothing is posted any more; parked sessions are released here, by the
  // thread that owns the io_context, while it still exists.
  void close() {
    std::unordered_map<const void*, std::shared_ptr<void>> released;
    {
      std::lock_guard lock(mutex);
      open = false;
      released.swap(parked);
    }
  }

  std::unordered_map<const void*, std::shared_ptr<void>> parked;  // guarded by `mutex`
};

// One live connection, for as long as the session that owns it exists: it holds the
// connection's place in the registry, so the listener can enforce limits::max_connections
// (and evict) across detect, HTTP and WebSocket stages.
class connection_slot {
 public:
  connection_slot(std::shared_ptr<server_state> state, std::shared_ptr<connection_ticket> ticket)
      : state_(std::move(state)), ticket_(std::move(ticket)) {}
  connection_slot(connection_slot&& other) noexcept = default;
  connection_slot& operator=(connection_slot&&) = delete;
  connection_slot(const connection_slot&) = delete;
  connection_slot& operator=(const connection_slot&) = delete;

  server_state& state() const noexcept { return *state_; }
  const std::shared_ptr<server_state>& shared_state() const noexcept { return state_; }

  void enter(connection_phase phase) const {
    if (ticket_) ticket_->enter(phase);
  }
  // Installs how this stage (a session of type Session) is closed when evicted.
  template <class Session>
  void enter(connection_phase phase, const std::shared_ptr<Session>& session) const {
    if (!ticket_) return;
    std::weak_ptr<Session> weak = session;
    auto* state = state_.get();
    ticket_->enter(phase, [weak, state] { state->post_to(weak, [](Session& s) { s.evict(); }); });
  }

 private:
  // Declared first, destroyed last: the ticket unregisters itself from the state's registry.
  std::shared_ptr<server_state> state_;
  std::shared_ptr<connection_ticket> ticket_;
};

}  // namespace sealbridge::net
