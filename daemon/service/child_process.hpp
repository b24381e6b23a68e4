#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sealbridge::service {

// A helper program the daemon runs with its stdin and stdout connected to us and its stderr on
// /dev/null. Only the given environment reaches it, in a process group of its own so that a
// kill takes whatever it started too. The destructor kills and reaps a child still running:
// no zombies, whatever path the owner takes.
class child_process {
 public:
  // Throws error(not_supported) when `program` cannot be run, error(internal) for other
  // failures. `environment` holds "NAME=value" strings.
  child_process(const std::filesystem::path& program, const std::vector<std::string>& environment);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const noexcept { return pid_; }
  // Our ends, non-blocking. stdin is a socket so that writing to a child that has gone never
  // raises SIGPIPE in the daemon (see write_stdin).
  int stdin_fd() const noexcept { return stdin_; }
  int stdout_fd() const noexcept { return stdout_; }
  void close_stdin() noexcept;
  void close_stdout() noexcept;

  // Writes what the socket takes now; returns the count, 0 when it would block, -1 when the
  // child has closed its end.
  long write_stdin(const char* data, std::size_t size) noexcept;

  void kill() noexcept;
  // The wait status once the child has exited and been reaped; empty while it runs.
  std::optional<int> try_reap() noexcept;
  // Kills (if still running) and waits: SIGKILL cannot be ignored, so this returns promptly.
  int kill_and_reap() noexcept;

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  std::optional<int> status_;
};

}  // namespace sealbridge::service
