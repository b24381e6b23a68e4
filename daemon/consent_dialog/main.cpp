// sealbridge-consent: the native window in which the user approves one signing operation and
// types the PIN, so that the page asking for it can neither see the PIN nor answer for the
// user. The daemon writes one JSON request to stdin and reads one JSON line from stdout
// (README.md).
#include <gtk/gtk.h>
#include <unistd.h>

#include <cerrno>
#include <exception>
#include <stdexcept>
#include <string>

#include "answer.hpp"
#include "consent_window.hpp"
#include "core/gtk_leak_options.hpp"
#include "layout.hpp"
#include "request.hpp"

namespace {

// A request is a few kilobytes plus a seal picture the daemon caps at 4 MiB (base64).
constexpr std::size_t max_request = 8 * 1024 * 1024;

bool read_request(std::string& out) {
  char chunk[65536];
  for (;;) {
    const ssize_t n = ::read(STDIN_FILENO, chunk, sizeof chunk);
    if (n == 0) return true;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (out.size() + static_cast<std::size_t>(n) > max_request) return false;
    out.append(chunk, static_cast<std::size_t>(n));
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sealbridge::consent_dialog;
  std::string input;
  request req;
  try {
    if (!read_request(input)) throw std::runtime_error("unreadable or too large");
    req = parse_request(input);
  } catch (const std::exception&) {
    write_refusal("bad_request");
    return exit_bad_request;
  }
  input.clear();
  input.shrink_to_fit();

  if (!gtk_init_check(&argc, &argv)) {
    write_refusal("no_display");
    return exit_no_display;
  }
  return run_consent_window(req) ? 0 : 1;
}
