#include "tests/testmodule/token_lookup.hpp"

namespace sealbridge::testmodule {

std::string trimmed_serial(const CK_TOKEN_INFO& info) {
  std::string s(reinterpret_cast<const char*>(info.serialNumber), sizeof info.serialNumber);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

std::optional<std::string> serial_of_slot(CK_FUNCTION_LIST& api, CK_SLOT_ID slot) {
  CK_TOKEN_INFO info{};
  if (api.C_GetTokenInfo(slot, &info) != CKR_OK) return std::nullopt;
  return trimmed_serial(info);
}

std::optional<std::string> serial_of_session(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session) {
  CK_SESSION_INFO info{};
  if (api.C_GetSessionInfo(session, &info) != CKR_OK) return std::nullopt;
  return serial_of_slot(api, info.slotID);
}

std::optional<std::string> serial_of_call(CK_FUNCTION_LIST& api, const call_context& call) {
  if (call.slot) return serial_of_slot(api, *call.slot);
  if (call.session) return serial_of_session(api, *call.session);
  return std::nullopt;
}

}  // namespace sealbridge::testmodule
