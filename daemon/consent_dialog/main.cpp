// sealbridge-consent: the native window in which the user approves one signing operation and
// types the PIN, so that the page asking for it can neither see the PIN nor answer for the
// user. The daemon writes one JSON request to stdin and reads one JSON line from stdout
// (README.md). The window is GTK 3 on Linux (consent_window.cpp), Win32 on Windows
// (consent_window_win.cpp); everything here is shared.
#include <exception>
#include <stdexcept>
#include <string>

#include "answer.hpp"
#include "consent_window.hpp"
#include "core/gtk_leak_options.hpp"  // no-op outside an AddressSanitizer build
#include "dialog_io.hpp"
#include "layout.hpp"
#include "request.hpp"

namespace {

// A request is a few kilobytes plus a seal picture the daemon caps at 4 MiB (base64).
constexpr std::size_t max_request = 8 * 1024 * 1024;

}  // namespace

int main(int argc, char** argv) {
  using namespace sealbridge::consent_dialog;
  std::string input;
  request req;
  try {
    if (!read_all_stdin(input, max_request)) throw std::runtime_error("unreadable or too large");
    req = parse_request(input);
  } catch (const std::exception&) {
    write_refusal("bad_request");
    return exit_bad_request;
  }
  input.clear();
  input.shrink_to_fit();
  return run_consent_window(req, argc, argv);
}
