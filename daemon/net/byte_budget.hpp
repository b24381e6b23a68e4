#pragma once

#include <atomic>
#include <cstddef>
#include <utility>

namespace sealbridge::net {

// A byte ceiling shared by every connection: request bodies being read, replies waiting to be
// written and WebSocket outboxes all take their size from it first, so the memory clients can
// make the daemon hold stays bounded however many of them misbehave at once.
class byte_budget {
 public:
  explicit byte_budget(std::size_t limit) : limit_(limit) {}
  byte_budget(const byte_budget&) = delete;
  byte_budget& operator=(const byte_budget&) = delete;

  // Takes `n` bytes when they fit under the limit; never blocks.
  bool try_take(std::size_t n) noexcept {
    auto used = used_.load(std::memory_order_relaxed);
    do {
      if (n > limit_ || used > limit_ - n) return false;
    } while (!used_.compare_exchange_weak(used, used + n, std::memory_order_relaxed));
    return true;
  }
  void give_back(std::size_t n) noexcept { used_.fetch_sub(n, std::memory_order_relaxed); }
  std::size_t used() const noexcept { return used_.load(std::memory_order_relaxed); }
  std::size_t limit() const noexcept { return limit_; }

 private:
  const std::size_t limit_;
  std::atomic<std::size_t> used_{0};
};

// Bytes held from a byte_budget for as long as the lease lives. Grows in steps; each step
// either fits or fails without changing what is already held.
class byte_lease {
 public:
  byte_lease() = default;
  explicit byte_lease(byte_budget& budget) : budget_(&budget) {}
  byte_lease(byte_lease&& other) noexcept
      : budget_(other.budget_), held_(std::exchange(other.held_, 0)) {}
  byte_lease& operator=(byte_lease&& other) noexcept {
    if (this != &other) {
      release();
      budget_ = other.budget_;
      held_ = std::exchange(other.held_, 0);
    }
    return *this;
  }
  byte_lease(const byte_lease&) = delete;
  byte_lease& operator=(const byte_lease&) = delete;
  ~byte_lease() { release(); }

  bool grow(std::size_t n) noexcept {
    if (!budget_ || !budget_->try_take(n)) return false;
    held_ += n;
    return true;
  }
  void shrink(std::size_t n) noexcept {
    if (n > held_) n = held_;
    if (budget_) budget_->give_back(n);
    held_ -= n;
  }
  void release() noexcept { shrink(held_); }
  std::size_t held() const noexcept { return held_; }

 private:
  byte_budget* budget_ = nullptr;
  std::size_t held_ = 0;
};

}  // namespace sealbridge::net
