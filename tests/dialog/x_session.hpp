#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

// A private Xvfb display for the dialog tests, and the xdotool calls they drive it with.
namespace sealbridge::testing {

bool on_path(const std::string& program);

class xvfb {
 public:
  xvfb();  // throws std::runtime_error when Xvfb does not come up
  ~xvfb();
  xvfb(const xvfb&) = delete;
  xvfb& operator=(const xvfb&) = delete;
  const std::string& display() const { return display_; }

 private:
  pid_t pid_ = -1;
  std::string display_;
};

// Runs a shell command line; its stdout, or empty when it failed.
std::optional<std::string> run(const std::string& command);

struct window_geometry {
  int x = 0, y = 0, width = 0, height = 0;
};

// Visible top-level windows whose title starts with "SealBridge".
std::vector<std::string> consent_windows();
// The single consent window once it appears (empty when none appears in time).
std::optional<std::string> wait_for_consent_window(std::chrono::milliseconds limit);
bool wait_until_no_consent_window(std::chrono::milliseconds limit);
std::optional<window_geometry> geometry(const std::string& window);
std::optional<pid_t> window_pid(const std::string& window);

void type_text(const std::string& text);  // into whatever has the keyboard focus
void press(const std::string& keys);      // e.g. "Return", "Escape", "Tab space"
void click_at(int x, int y);

}  // namespace sealbridge::testing
