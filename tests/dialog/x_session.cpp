#include "x_session.hpp"

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace sealbridge::testing {

using namespace std::chrono_literals;

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');)
    if (!dir.empty() && ::access((dir + "/" + program).c_str(), X_OK) == 0) return true;
  return false;
}

xvfb::xvfb() {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe");
  // Xvfb picks a free display itself and writes its number to -displayfd: no races with
  // other test runs over :99.
  const std::string fd_text = std::to_string(fds[1]);
  const char* argv[] = {"Xvfb",        "-displayfd", fd_text.c_str(), "-screen",  "0",
                        "1280x800x24", "-nolisten",  "tcp",           "-noreset", nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", 1, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", 1, 0);
  const int rc =
      ::posix_spawnp(&pid_, "Xvfb", &actions, nullptr, const_cast<char**>(argv), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    throw std::runtime_error("cannot start Xvfb");
  }
  std::string number;
  pollfd p{fds[0], POLLIN, 0};
  while (::poll(&p, 1, 10000) > 0) {
    char c;
    if (::read(fds[0], &c, 1) != 1 || c == '\n') break;
    number += c;
  }
  ::close(fds[0]);
  if (number.empty()) throw std::runtime_error("Xvfb gave no display number");
  display_ = ":" + number;
}

xvfb::~xvfb() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
}

std::optional<std::string> run(const std::string& command) {
  FILE* pipe = ::popen((command + " 2>/dev/null").c_str(), "r");
  if (!pipe) return {};
  std::string out;
  std::array<char, 512> chunk;
  std::size_t n;
  while ((n = std::fread(chunk.data(), 1, chunk.size(), pipe)) > 0) out.append(chunk.data(), n);
  const int status = ::pclose(pipe);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return {};
  return out;
}

std::vector<std::string> consent_windows() {
  std::vector<std::string> ids;
  if (auto out = run("xdotool search --onlyvisible --name '^SealBridge'")) {
    std::istringstream lines(*out);
    for (std::string id; lines >> id;) ids.push_back(id);
  }
  return ids;
}

std::optional<std::string> wait_for_consent_window(std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  do {
    auto ids = consent_windows();
    if (!ids.empty()) return ids.front();
    std::this_thread::sleep_for(50ms);
  } while (std::chrono::steady_clock::now() < end);
  return {};
}

bool wait_until_no_consent_window(std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  do {
    if (consent_windows().empty()) return true;
    std::this_thread::sleep_for(50ms);
  } while (std::chrono::steady_clock::now() < end);
  return false;
}

std::optional<window_geometry> geometry(const std::string& window) {
  const auto out = run("xdotool getwindowgeometry --shell " + window);
  if (!out) return {};
  window_geometry g;
  std::istringstream lines(*out);
  for (std::string line; std::getline(lines, line);) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq);
    const int value = std::atoi(line.c_str() + eq + 1);
    if (key == "X") g.x = value;
    if (key == "Y") g.y = value;
    if (key == "WIDTH") g.width = value;
    if (key == "HEIGHT") g.height = value;
  }
  if (g.width <= 0 || g.height <= 0) return {};
  return g;
}

std::optional<pid_t> window_pid(const std::string& window) {
  const auto out = run("xdotool getwindowpid " + window);
  if (!out) return {};
  const long pid = std::atol(out->c_str());
  if (pid <= 0) return {};
  return static_cast<pid_t>(pid);
}

// No --window: xdotool then sends real (XTEST) input to whatever has the focus, which is what
// proves the dialog took the keyboard by itself.
void type_text(const std::string& text) {
  run("xdotool type --delay 30 '" + text + "'");
}
void press(const std::string& keys) {
  run("xdotool key --delay 60 " + keys);
}
void click_at(int x, int y) {
  run("xdotool mousemove --sync " + std::to_string(x) + " " + std::to_string(y) + " click 1");
}

}  // namespace sealbridge::testing
