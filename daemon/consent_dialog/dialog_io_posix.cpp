#include <unistd.h>

#include <cerrno>

#include "dialog_io.hpp"

namespace sealbridge::consent_dialog {

bool read_all_stdin(std::string& out, std::size_t max_bytes) {
  char chunk[65536];
  for (;;) {
    const ssize_t n = ::read(STDIN_FILENO, chunk, sizeof chunk);
    if (n == 0) return true;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (out.size() + static_cast<std::size_t>(n) > max_bytes) return false;
    out.append(chunk, static_cast<std::size_t>(n));
  }
}

bool write_all_stdout(std::string_view data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(STDOUT_FILENO, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace sealbridge::consent_dialog
