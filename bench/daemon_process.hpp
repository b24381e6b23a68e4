#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

// One sealbridged process run for a benchmark: started with a config file, found listening,
// measured through /proc, stopped with SIGTERM (SIGKILL if it does not go within 5 s).
namespace sealbridge::bench {

struct daemon_options {
  std::filesystem::path binary;
  std::filesystem::path config;
  std::filesystem::path state_dir;
  std::vector<std::string> environment;  // "NAME=value", added to this process's environment
  std::uint16_t port = 0;                // 0: let the system choose, learnt from daemon.json
};

struct memory_use {
  double rss_mib = 0;        // VmRSS
  double peak_mib = 0;       // VmHWM
  double pss_mib = 0;        // RSS with shared library pages divided among the processes using them
  double anonymous_mib = 0;  // the process's own memory (heap, stacks), no file pages
  int threads = 0;
};

class daemon_process {
 public:
  explicit daemon_process(const daemon_options& options);
  ~daemon_process();
  daemon_process(const daemon_process&) = delete;
  daemon_process& operator=(const daemon_process&) = delete;

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  // From the spawn to the first accepted TCP connection on the port.
  std::chrono::microseconds time_to_listen() const { return time_to_listen_; }
  // From the spawn to daemon.json, written once the drivers are loaded and the keys scanned.
  std::chrono::microseconds time_to_ready() const { return time_to_ready_; }
  memory_use memory() const;
  // User and system CPU time the daemon has used so far (all threads), in seconds.
  double cpu_seconds() const;
  // The same per kind of thread, by the thread's name up to its first space or digit ("api",
  // "token", "io"...): where the daemon's CPU goes. Threads that ended are not counted.
  std::map<std::string, double> cpu_seconds_by_thread() const;
  void stop();

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::chrono::microseconds time_to_listen_{0};
  std::chrono::microseconds time_to_ready_{0};
};

// A port nobody listens on now (bound to 0 and released), for a daemon given a fixed port.
std::uint16_t free_port();

}  // namespace sealbridge::bench
