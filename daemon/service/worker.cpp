#include "service/worker.hpp"

#include <spdlog/spdlog.h>

#include "core/thread_name.hpp"

namespace sealbridge::service {

worker::worker(std::string name, unsigned threads) : name_(std::move(name)) {
  threads_.reserve(threads == 0 ? 1 : threads);
  for (unsigned i = 0; i < (threads == 0 ? 1 : threads); ++i)
    threads_.emplace_back([this] { loop(); });
}

bool worker::on_this_worker() const noexcept {
  auto self = std::this_thread::get_id();
  for (const auto& t : threads_) {
    if (t.get_id() == self) return true;
  }
  return false;
}

worker::~worker() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

void worker::post(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void worker::loop() {
  name_this_thread(name_);
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping and drained
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    try {
      job();
    } catch (const std::exception& e) {
      // Jobs report their own errors; one that escapes must not take the worker down.
      spdlog::error("worker {}: unhandled exception: {}", name_, e.what());
    }
  }
}

}  // namespace sealbridge::service
