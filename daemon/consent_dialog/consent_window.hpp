#pragma once

#include "request.hpp"

namespace sealbridge::consent_dialog {

// Shows the consent window for `req` and runs the platform's message loop until the user
// approves, denies, closes it or the time runs out. Returns the program's exit code: 0 once the
// answer line is written, 1 when it could not be (stdout gone), exit_no_display after a
// "no_display" refusal when there is no display or desktop to show a window on.
int run_consent_window(const request& req, int& argc, char**& argv);

}  // namespace sealbridge::consent_dialog
