#include "tests/testmodule/pin_counter.hpp"

#include <algorithm>

#include "tests/testmodule/control_file.hpp"
#include "tests/testmodule/token_lookup.hpp"

namespace sealbridge::testmodule {
namespace {

constexpr CK_FLAGS pin_flags =
    CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED;

bool so_session(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session) {
  CK_SESSION_INFO info{};
  return api.C_GetSessionInfo(session, &info) == CKR_OK && info.state == CKS_RW_SO_FUNCTIONS;
}

}  // namespace

void pin_counter::configure(const config& c) {
  std::lock_guard lock(mutex_);
  config_ = c;
  memory_.clear();
}

bool pin_counter::length_ok(CK_ULONG len) const {
  return (!config_.min_pin_len || len >= *config_.min_pin_len) &&
         (!config_.max_pin_len || len <= *config_.max_pin_len);
}

std::filesystem::path pin_counter::file(const std::string& serial) const {
  std::string name = serial;
  std::replace_if(
      name.begin(), name.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); },
      '_');
  return config_.control_dir / ("pin-tries-" + name);
}

unsigned long pin_counter::left(const std::string& serial) {
  if (config_.control_dir.empty()) {
    const auto it = memory_.find(serial);
    return it == memory_.end() ? config_.pin_tries : it->second;
  }
  const auto text = read_text(file(serial));
  if (!text) return config_.pin_tries;
  const auto t = trim(*text);
  if (t.empty() || t.find_first_not_of("0123456789") != std::string::npos || t.size() > 9) {
    return config_.pin_tries;
  }
  return std::min(std::stoul(t), config_.pin_tries);
}

void pin_counter::store(const std::string& serial, unsigned long n) {
  if (config_.control_dir.empty()) {
    memory_[serial] = n;
  } else if (n >= config_.pin_tries) {
    remove_quietly(file(serial));
  } else {
    write_atomically(file(serial), std::to_string(n) + "\n");
  }
}

template <typename F>
CK_RV pin_counter::counted(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, F&& forward) {
  const auto serial = serial_of_session(api, session);
  if (!serial) return forward();
  // Held across the forwarded call so two concurrent wrong PINs both count.
  std::lock_guard lock(mutex_);
  const unsigned long n = left(*serial);
  if (n == 0) return CKR_PIN_LOCKED;
  const CK_RV rv = forward();
  if (rv == CKR_PIN_INCORRECT) {
    store(*serial, n - 1);
    // The try that used up the last one locks the PIN, and real keys say so at once.
    return n == 1 ? CKR_PIN_LOCKED : rv;
  }
  if (rv == CKR_OK) store(*serial, config_.pin_tries);
  return rv;
}

CK_RV pin_counter::login(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_USER_TYPE user,
                         CK_UTF8CHAR* pin, CK_ULONG pin_len) {
  if (user == CKU_USER && config_.protected_pin) {
    // The PIN comes from the "keypad"; an application passing one has not used the path.
    if (pin != nullptr || pin_len != 0) return CKR_ARGUMENTS_BAD;
    auto& typed = *config_.protected_pin;
    const auto on_device = [&] {
      return api.C_Login(session, user, reinterpret_cast<CK_UTF8CHAR*>(typed.data()), typed.size());
    };
    if (config_.pin_tries == 0) return on_device();
    return counted(api, session, on_device);
  }
  const auto forward = [&] { return api.C_Login(session, user, pin, pin_len); };
  if (user != CKU_USER) return forward();
  // A PIN of the wrong length is refused before the token tries it: no try is used up.
  if (!length_ok(pin_len)) return CKR_PIN_LEN_RANGE;
  if (config_.pin_tries == 0) return forward();
  return counted(api, session, forward);
}

CK_RV pin_counter::set_pin(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_UTF8CHAR* old_pin,
                           CK_ULONG old_len, CK_UTF8CHAR* new_pin, CK_ULONG new_len) {
  const auto forward = [&] { return api.C_SetPIN(session, old_pin, old_len, new_pin, new_len); };
  if (config_.pin_tries == 0 || so_session(api, session)) return forward();
  if (!length_ok(new_len)) return CKR_PIN_LEN_RANGE;
  return counted(api, session, forward);
}

CK_RV pin_counter::init_pin(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_UTF8CHAR* pin,
                            CK_ULONG pin_len) {
  if (!length_ok(pin_len)) return CKR_PIN_LEN_RANGE;
  const CK_RV rv = api.C_InitPIN(session, pin, pin_len);
  if (rv != CKR_OK || config_.pin_tries == 0) return rv;
  if (const auto serial = serial_of_session(api, session)) {
    std::lock_guard lock(mutex_);
    store(*serial, config_.pin_tries);
  }
  return rv;
}

CK_RV pin_counter::token_info(CK_FUNCTION_LIST& api, CK_SLOT_ID slot, CK_TOKEN_INFO* info) {
  const CK_RV rv = api.C_GetTokenInfo(slot, info);
  if (rv != CKR_OK || info == nullptr) return rv;
  if (config_.min_pin_len) info->ulMinPinLen = *config_.min_pin_len;
  if (config_.max_pin_len) info->ulMaxPinLen = *config_.max_pin_len;
  if (config_.protected_pin) info->flags |= CKF_PROTECTED_AUTHENTICATION_PATH;
  if (config_.pin_tries == 0) return rv;

  std::lock_guard lock(mutex_);
  const unsigned long n = left(trimmed_serial(*info));
  info->flags &= ~pin_flags;
  if (n == 0) {
    info->flags |= CKF_USER_PIN_LOCKED;
  } else {
    if (n < config_.pin_tries) info->flags |= CKF_USER_PIN_COUNT_LOW;
    if (n == 1) info->flags |= CKF_USER_PIN_FINAL_TRY;
  }
  return rv;
}

}  // namespace sealbridge::testmodule
