#pragma once

#include <cstddef>
#include <string>
#include <string_view>

// The dialog's two pipes, the only I/O it does besides its window: the request arrives on
// stdin, the one answer line leaves on stdout. Windows programs of the GUI subsystem have no C
// runtime stdio worth trusting (text mode, no console), so each platform uses its own calls.
namespace sealbridge::consent_dialog {

// Reads stdin to its end. False when it cannot be read or holds more than `max_bytes`.
bool read_all_stdin(std::string& out, std::size_t max_bytes);

// Writes all of `data` to stdout, unbuffered. False when stdout is gone.
bool write_all_stdout(std::string_view data);

}  // namespace sealbridge::consent_dialog
