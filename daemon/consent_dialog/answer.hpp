#pragma once

#include <string_view>

namespace sealbridge::consent_dialog {

// Writes the one answer line to stdout, the only place the PIN ever goes, from a buffer that
// is wiped afterwards. Returns false when stdout is gone or the PIN does not fit.
bool write_approval(std::string_view pin);
bool write_refusal(std::string_view reason);  // reason: "denied", "timeout", "closed", ...

}  // namespace sealbridge::consent_dialog
