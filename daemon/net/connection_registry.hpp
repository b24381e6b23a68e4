#pragma once

// Internal to daemon/net, free of Asio: which live connection to give up when a newcomer
// arrives at the connection cap.

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <mutex>

namespace sealbridge::net {

// What a connection is doing, as far as eviction cares. `opening` covers everything before a
// complete request is in hand: TLS detection and handshake, reading a head or body, waiting
// for the next request on a kept-alive connection, draining after a refusal. Such connections
// cost their peer nothing to hold, so they go first; one that is `writing` a response goes
// next; a request being worked on and an established WebSocket session are never evicted.
enum class connection_phase { opening, writing, working, websocket };

class connection_registry;

class connection_ticket {
 public:
  using clock = std::chrono::steady_clock;

  connection_ticket(connection_registry& registry, clock::time_point now)
      : registry_(registry), since_(now) {}
  ~connection_ticket();
  connection_ticket(const connection_ticket&) = delete;
  connection_ticket& operator=(const connection_ticket&) = delete;

  // `evict` is called (on the listener's thread, without locks held) to close the connection;
  // each stage of a connection installs its own.
  void enter(connection_phase phase, std::function<void()> evict = nullptr);
  void enter(connection_phase phase, clock::time_point now, std::function<void()> evict);

 private:
  friend class connection_registry;
  connection_registry& registry_;
  connection_phase phase_ = connection_phase::opening;
  clock::time_point since_;
  std::function<void()> evict_;
  bool evicted_ = false;
  std::list<connection_ticket*>::iterator position_;
};

class connection_registry {
 public:
  using clock = connection_ticket::clock;

  // `max` live connections; at most `max_websockets` of them WebSocket sessions, so a flood of
  // sessions can never take the slots ordinary requests need.
  connection_registry(std::size_t max, std::size_t max_websockets)
      : max_(max), max_websockets_(max_websockets) {}

  // A ticket for a newcomer, evicting the longest-waiting evictable connection when at the cap;
  // null when every slot holds work in progress (or too many evictions are still pending).
  std::shared_ptr<connection_ticket> admit(clock::time_point now = clock::now());
  // Whether one more connection may become a WebSocket session.
  bool websocket_allowed() const;

  std::size_t live() const;  // tickets not yet destroyed, evicted or not

 private:
  friend class connection_ticket;
  void remove(connection_ticket& ticket);

  const std::size_t max_;
  const std::size_t max_websockets_;
  mutable std::mutex mutex_;
  std::list<connection_ticket*> tickets_;
  std::size_t evicted_pending_ = 0;
  std::size_t websockets_ = 0;
};

}  // namespace sealbridge::net
