#include "service/consent_verdict.hpp"

#include <spdlog/spdlog.h>

#include "service/consent_protocol.hpp"

namespace sealbridge::service {

consent_outcome judge_dialog(const consent_request& request, std::string_view answer_line,
                             const dialog_ending& ending) {
  if (ending.failure) return error(errc::cancelled, *ending.failure);
  if (ending.exit_code == dialog_exit_no_display)
    return error(errc::not_supported, "the consent dialog could not open a display");
  if (ending.exit_code != 0)
    return error(errc::cancelled, "the consent dialog " + ending.description);
  if (answer_line.empty()) return error(errc::cancelled, "the consent dialog gave no answer");

  dialog_reply reply;
  try {
    reply = parse_dialog_reply(answer_line);
  } catch (const error& e) {
    return e;
  }
  if (!reply.approved) {
    if (reply.reason == "no_display")
      return error(errc::not_supported, "the consent dialog could not open a display");
    const std::string why = reply.reason.empty() ? "denied" : reply.reason;
    return error(errc::cancelled, "the user did not approve (" + why + ")");
  }
  if (request.want_pin &&
      (reply.pin.size() < request.pin_min || reply.pin.size() > request.pin_max))
    return error(errc::cancelled, "the consent dialog returned a PIN of the wrong length");
  if (!request.want_pin && !reply.pin.empty())
    return error(errc::cancelled, "the consent dialog returned a PIN nobody asked for");
  return consent_answer{true, std::move(reply.pin)};
}

void complete_consent(const consent_callback& done, consent_outcome result) noexcept {
  try {
    done(std::move(result));
  } catch (const std::exception& e) {
    spdlog::error("consent: a completion threw: {}", e.what());
  } catch (...) {
    spdlog::error("consent: a completion threw");
  }
}

}  // namespace sealbridge::service
