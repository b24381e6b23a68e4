#pragma once

#ifdef _WIN32

#include <windows.h>

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/win32_handle.hpp"

namespace sealbridge::service {

// A helper program the daemon runs with its stdin and stdout on anonymous pipes to us and its
// stderr on NUL; the three are the only handles it inherits. Anonymous pipes cannot be waited
// on, so one thread writes the request and another reads the answer (up to a cap), each
// blocking in its own call; the owner waits on process_handle() and output_done(). The
// destructor ends a child still running and joins both threads: no process or thread outlives
// the object.
class windows_child_process {
 public:
  // Starts `program` and begins writing `input` to it. Throws error(not_supported) when the
  // program is missing or cannot be run, error(internal) for other failures.
  windows_child_process(const std::filesystem::path& program, std::string input,
                        std::size_t output_max);
  ~windows_child_process();
  windows_child_process(const windows_child_process&) = delete;
  windows_child_process& operator=(const windows_child_process&) = delete;

  DWORD pid() const noexcept { return pid_; }
  // Signalled when the child has exited.
  HANDLE process_handle() const noexcept { return process_.get(); }
  // Signalled when its stdout has reached its end, or output_max bytes without one.
  HANDLE output_done() const noexcept { return output_done_.get(); }

  bool exited() const noexcept;
  bool output_finished() const noexcept;
  // True when the child wrote more than output_max bytes (its output is then not to be used).
  bool output_overflowed() const noexcept { return overflowed_.load(std::memory_order_acquire); }
  // What it wrote; complete once output_finished().
  std::string_view output() const noexcept;
  // Its exit code once exited().
  std::optional<DWORD> exit_code() const noexcept;

  // Ends the child (if still running) and waits a bounded time for it to be gone.
  void terminate() noexcept;

 private:
  static DWORD WINAPI write_thread(void* self) noexcept;
  static DWORD WINAPI read_thread(void* self) noexcept;
  void write_input() noexcept;
  void read_output() noexcept;
  void join(unique_handle& thread) noexcept;

  DWORD pid_ = 0;
  unique_handle process_;
  unique_handle stdin_;   // our end, written (then closed) by the writer thread
  unique_handle stdout_;  // our end, read by the reader thread
  unique_handle output_done_;
  std::string input_;
  std::vector<char> output_;
  std::atomic<std::size_t> received_{0};
  std::atomic<bool> overflowed_{false};
  unique_handle writer_, reader_;
};

}  // namespace sealbridge::service

#endif
