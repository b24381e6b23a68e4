#include "tests/testmodule/state.hpp"

#include <cstdio>
#include <string>

#include "tests/testmodule/faults.hpp"
#include "tests/testmodule/token_lookup.hpp"

namespace sealbridge::testmodule {

state& state::get() {
  static state instance;
  return instance;
}

CK_RV state::initialize(void* init_args) {
  std::lock_guard lock(mutex_);
  if (initialized_) return CKR_CRYPTOKI_ALREADY_INITIALIZED;
  std::string why;
  const auto c = read_config(why);
  if (!c) {
    // The application sees only a return code; the reason goes where a test log catches it.
    std::fprintf(stderr, "sbtest-pkcs11: %s\n", why.c_str());
    return CKR_ARGUMENTS_BAD;
  }
  if (!target_.load()) return CKR_GENERAL_ERROR;
  const CK_RV rv = target_.api().C_Initialize(init_args);
  // The target is shared with anyone else in the process who loaded it directly; then its
  // lifetime is theirs.
  if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) return rv;
  finalize_target_ = rv == CKR_OK;
  presence_.configure(c->control_dir);
  sessions_.clear();
  removed_.clear();
  hooks_ = make_hooks(*c, target_.api());
  pins_.configure(*c);
  sm2_objects_.reset();
  sm2_signing_.reset();
  sm2_signing_.configure(*c);
  initialized_ = true;
  return CKR_OK;
}

CK_RV state::finalize(void* reserved) {
  std::lock_guard lock(mutex_);
  if (!initialized_) return CKR_CRYPTOKI_NOT_INITIALIZED;
  initialized_ = false;
  sessions_.clear();
  removed_.clear();
  hooks_.clear();
  sm2_objects_.reset();
  sm2_signing_.reset();
  return finalize_target_ ? target_.api().C_Finalize(reserved) : CKR_OK;
}

CK_FUNCTION_LIST* state::api() const {
  return initialized_ ? &target_.api() : nullptr;
}

CK_RV state::dispatch(const call_context& call, gate g, const std::function<CK_RV()>& body) {
  {
    std::lock_guard lock(mutex_);
    refresh_locked();
    if (g == gate::slot && call.slot && slot_hidden_locked(*call.slot)) {
      return CKR_TOKEN_NOT_PRESENT;
    }
    if (g == gate::session && call.session && removed_.count(*call.session) != 0) {
      return CKR_DEVICE_REMOVED;
    }
  }
  return run_hooks(0, call, body);
}

CK_RV state::run_hooks(std::size_t index, const call_context& call,
                       const std::function<CK_RV()>& body) {
  if (index == hooks_.size()) return body();
  return hooks_[index]->around(call, [&] { return run_hooks(index + 1, call, body); });
}

bool state::slot_hidden(CK_SLOT_ID slot) {
  std::lock_guard lock(mutex_);
  refresh_locked();
  return slot_hidden_locked(slot);
}

void state::forget_session(CK_SESSION_HANDLE session) {
  sm2_objects_.forget_session(session);
  sm2_signing_.forget_session(session);
}

void state::session_opened(CK_SESSION_HANDLE session, CK_SLOT_ID slot) {
  std::lock_guard lock(mutex_);
  sessions_[session] = slot;
  // The target may reuse the number of a session that died in an unplug.
  removed_.erase(session);
  forget_session(session);
}

bool state::session_closing(CK_SESSION_HANDLE session) {
  std::lock_guard lock(mutex_);
  sessions_.erase(session);
  forget_session(session);
  return removed_.erase(session) != 0;
}

void state::all_sessions_closed(CK_SLOT_ID slot) {
  std::lock_guard lock(mutex_);
  std::erase_if(sessions_, [&](const auto& entry) {
    if (entry.second != slot) return false;
    forget_session(entry.first);
    return true;
  });
}

void state::refresh_locked() {
  if (!initialized_ || !presence_.refresh()) return;
  std::map<CK_SLOT_ID, bool> hidden;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    const auto [session, slot] = *it;
    auto known = hidden.find(slot);
    if (known == hidden.end()) known = hidden.emplace(slot, slot_hidden_locked(slot)).first;
    if (!known->second) {
      ++it;
      continue;
    }
    // Closing on the target is what a real driver's unplug amounts to: the token's state,
    // login included, is gone.
    target_.api().C_CloseSession(session);
    removed_.insert(session);
    forget_session(session);
    it = sessions_.erase(it);
  }
}

bool state::slot_hidden_locked(CK_SLOT_ID slot) {
  if (!initialized_ || !presence_.any_hidden()) return false;
  const auto serial = serial_of_slot(target_.api(), slot);
  return serial && presence_.hidden(*serial);
}

}  // namespace sealbridge::testmodule
