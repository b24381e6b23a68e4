#pragma once

#include <functional>

namespace sealbridge::tray {

// Runs `work` on GLib's thread pool, then `done` on the GTK main loop: daemon calls block on
// sockets and must never freeze the menu. Nothing waits for `work`; `done` is its completion.
void run_in_background(std::function<void()> work, std::function<void()> done);

}  // namespace sealbridge::tray
