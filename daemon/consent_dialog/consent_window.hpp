#pragma once

#include "request.hpp"

namespace sealbridge::consent_dialog {

// Shows the consent window for `req` and runs GTK's main loop until the user approves,
// denies, closes it or the time runs out; the answer line has been written by then. Returns
// false when the answer could not be written (stdout gone).
bool run_consent_window(const request& req);

}  // namespace sealbridge::consent_dialog
