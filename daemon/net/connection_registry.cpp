#include "net/connection_registry.hpp"

namespace sealbridge::net {

connection_ticket::~connection_ticket() {
  registry_.remove(*this);
}

void connection_ticket::enter(connection_phase phase, std::function<void()> evict) {
  enter(phase, clock::now(), std::move(evict));
}

void connection_ticket::enter(connection_phase phase, clock::time_point now,
                              std::function<void()> evict) {
  std::lock_guard lock(registry_.mutex_);
  if (phase_ != phase) since_ = now;
  if (phase_ == connection_phase::websocket) --registry_.websockets_;
  if (phase == connection_phase::websocket) ++registry_.websockets_;
  phase_ = phase;
  if (evict) evict_ = std::move(evict);
}

std::shared_ptr<connection_ticket> connection_registry::admit(clock::time_point now) {
  std::function<void()> evict;
  std::shared_ptr<connection_ticket> ticket;
  {
    std::lock_guard lock(mutex_);
    // Evicted connections close asynchronously; never let them pile up beyond one cap's worth.
    if (tickets_.size() >= 2 * max_) return nullptr;
    if (tickets_.size() - evicted_pending_ >= max_) {
      connection_ticket* victim = nullptr;
      for (auto* t : tickets_) {
        if (t->evicted_ || !t->evict_) continue;
        if (t->phase_ != connection_phase::opening && t->phase_ != connection_phase::writing) {
          continue;
        }
        if (!victim || t->phase_ < victim->phase_ ||
            (t->phase_ == victim->phase_ && t->since_ < victim->since_)) {
          victim = t;
        }
      }
      if (!victim) return nullptr;
      victim->evicted_ = true;
      ++evicted_pending_;
      evict = victim->evict_;
    }
    ticket = std::make_shared<connection_ticket>(*this, now);
    tickets_.push_back(ticket.get());
    ticket->position_ = std::prev(tickets_.end());
  }
  if (evict) evict();
  return ticket;
}

bool connection_registry::websocket_allowed() const {
  std::lock_guard lock(mutex_);
  return websockets_ < max_websockets_;
}

std::size_t connection_registry::live() const {
  std::lock_guard lock(mutex_);
  return tickets_.size();
}

void connection_registry::remove(connection_ticket& ticket) {
  std::lock_guard lock(mutex_);
  if (ticket.evicted_) --evicted_pending_;
  if (ticket.phase_ == connection_phase::websocket) --websockets_;
  tickets_.erase(ticket.position_);
}

}  // namespace sealbridge::net
