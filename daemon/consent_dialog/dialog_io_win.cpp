#include <windows.h>

#include <algorithm>
#include <climits>

#include "dialog_io.hpp"

namespace sealbridge::consent_dialog {

bool read_all_stdin(std::string& out, std::size_t max_bytes) {
  const HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
  if (in == nullptr || in == INVALID_HANDLE_VALUE) return false;
  char chunk[65536];
  for (;;) {
    DWORD n = 0;
    if (!ReadFile(in, chunk, sizeof chunk, &n, nullptr)) {
      // The writer closing its end of a pipe is how a pipe says "end of input".
      return GetLastError() == ERROR_BROKEN_PIPE;
    }
    if (n == 0) return true;  // end of a file
    if (out.size() + n > max_bytes) return false;
    out.append(chunk, n);
  }
}

bool write_all_stdout(std::string_view data) {
  const HANDLE stdout_handle = GetStdHandle(STD_OUTPUT_HANDLE);
  if (stdout_handle == nullptr || stdout_handle == INVALID_HANDLE_VALUE) return false;
  std::size_t done = 0;
  while (done < data.size()) {
    const auto chunk = static_cast<DWORD>(std::min<std::size_t>(data.size() - done, INT_MAX));
    DWORD n = 0;
    if (!WriteFile(stdout_handle, data.data() + done, chunk, &n, nullptr) || n == 0) return false;
    done += n;
  }
  return true;
}

}  // namespace sealbridge::consent_dialog
