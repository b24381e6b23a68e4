#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/error.hpp"
#include "service/consent.hpp"

// What both brokers (consent.cpp on POSIX, consent_win.cpp on Windows) decide the same way once
// a dialog process has ended: the platforms differ in how they run the program, never in what
// its answer means.
namespace sealbridge::service {

using consent_outcome = std::variant<consent_answer, sealbridge::error>;

// The dialog closes itself at the timeout it is given; the broker kills it only when it has not
// done so this much later (hung, stopped or ignoring us).
inline constexpr std::chrono::seconds dialog_watchdog_grace{2};
// After its stdout closes, a dialog that has not exited within this is killed.
inline constexpr std::chrono::milliseconds dialog_exit_grace{2000};
// sealbridge-consent's exit code when it could not open a window (no display, no desktop).
inline constexpr int dialog_exit_no_display = 3;

// How the dialog process ended, as far as the platform can tell.
struct dialog_ending {
  // Set when the broker ended it (timeout, an overlong answer, shutdown): the reason, in the
  // words the error's detail will carry.
  std::optional<std::string> failure;
  // The program's own exit code; empty when it did not exit by itself (a POSIX signal).
  std::optional<int> exit_code;
  // "exited with status 1", "killed by signal 9", ...: for the detail of a refusal.
  std::string description;
};

// The approval, or why there is none: error(cancelled) for a denial, a crash, a timeout or a
// malformed answer; error(not_supported) when the dialog found no display. A PIN whose length
// the request did not allow, or one nobody asked for, is never passed on.
consent_outcome judge_dialog(const consent_request& request, std::string_view answer_line,
                             const dialog_ending& ending);

// Runs a completion, logging instead of propagating what it throws: the broker thread must
// survive a faulty caller.
void complete_consent(const consent_callback& done, consent_outcome result) noexcept;

}  // namespace sealbridge::service
