#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

namespace sealbridge::service {

// Threads that run posted jobs; with one thread, in the order they were posted. PKCS#11 calls
// block (a key may take seconds to sign, or a driver may wait for a button press), so each key
// gets its own single-threaded worker and the network thread never waits on a driver.
class worker {
 public:
  explicit worker(std::string name, unsigned threads = 1);
  ~worker();  // finishes queued jobs, then joins
  worker(const worker&) = delete;
  worker& operator=(const worker&) = delete;

  void post(std::function<void()> job);

  // Runs `fn` on this worker and waits for its result; exceptions propagate to the caller.
  template <class F>
  auto run(F&& fn) -> std::invoke_result_t<F> {
    using result_type = std::invoke_result_t<F>;
    if (on_this_worker()) return fn();  // already on it: waiting on ourselves would deadlock
    auto task = std::make_shared<std::packaged_task<result_type()>>(std::forward<F>(fn));
    auto result = task->get_future();
    post([task] { (*task)(); });
    return result.get();
  }

  const std::string& name() const noexcept { return name_; }

 private:
  void loop();
  bool on_this_worker() const noexcept;

  std::string name_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace sealbridge::service
