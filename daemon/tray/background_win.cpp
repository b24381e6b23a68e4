#include "background_win.hpp"

#include <memory>
#include <thread>

namespace sealbridge::tray {
namespace {

struct job {
  std::function<void()> work;
  std::function<void()> done;
};

}  // namespace

void run_in_background(HWND window, std::function<void()> work, std::function<void()> done) {
  auto pending = std::make_unique<job>(job{std::move(work), std::move(done)});
  std::thread([window, pending = std::move(pending)]() mutable {
    pending->work();
    // Ownership passes to the message only when it was queued; a window already gone (the
    // user quit meanwhile) drops the job here.
    if (PostMessageW(window, kJobDoneMessage, 0, reinterpret_cast<LPARAM>(pending.get())))
      static_cast<void>(pending.release());
  }).detach();
}

void finish_background_job(LPARAM raw) {
  std::unique_ptr<job> finished(reinterpret_cast<job*>(raw));
  finished->done();
}

}  // namespace sealbridge::tray
