#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/secret.hpp"
#include "service/consent.hpp"

// The pipe protocol between the daemon and sealbridge-consent (daemon/consent_dialog/README.md).
namespace sealbridge::service {

// Items beyond this many travel only as item_count: the dialog shows a bounded list.
inline constexpr std::size_t consent_items_shown = 50;
// A seal picture larger than this is left out of the request rather than fed to the dialog.
inline constexpr std::size_t consent_picture_max = 4 * 1024 * 1024;
// The dialog's one answer line is never longer than this (a PIN is at most a few hundred bytes).
inline constexpr std::size_t consent_answer_max = 4096;

// The request as the dialog program reads it: one JSON object. Invalid UTF-8 in any text is
// replaced, never passed through.
std::string encode_consent_request(const consent_request& request, std::chrono::seconds timeout);

// What the dialog program said. `reason` is the program's word for a refusal ("denied",
// "timeout", "closed", "no_display", "bad_request"); empty when it gave none.
struct dialog_reply {
  bool approved = false;
  sealbridge::secret pin;
  std::string reason;
};

// Parses the program's one answer line without leaving copies of the PIN behind: a general
// JSON parser would free its token buffers unwiped. Accepts exactly one object whose values
// are strings, booleans or null, then optional whitespace. Throws error(cancelled, why) for
// anything else.
dialog_reply parse_dialog_reply(std::string_view line);

}  // namespace sealbridge::service
