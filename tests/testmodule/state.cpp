#include "tests/testmodule/state.hpp"

#include <cstdlib>
#include <string>

namespace sealbridge::testmodule {
namespace {

std::string trimmed_serial(const CK_TOKEN_INFO& info) {
  std::string s(reinterpret_cast<const char*>(info.serialNumber), sizeof info.serialNumber);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

// Where failure-injection hooks get installed from the environment; none exist yet.
std::vector<std::unique_ptr<call_hook>> make_hooks() {
  return {};
}

}  // namespace

state& state::get() {
  static state instance;
  return instance;
}

CK_RV state::initialize(void* init_args) {
  std::lock_guard lock(mutex_);
  if (initialized_) return CKR_CRYPTOKI_ALREADY_INITIALIZED;
  if (!target_.load()) return CKR_GENERAL_ERROR;
  const CK_RV rv = target_.api().C_Initialize(init_args);
  // The target is shared with anyone else in the process who loaded it directly; then its
  // lifetime is theirs.
  if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) return rv;
  finalize_target_ = rv == CKR_OK;
  const char* control = std::getenv("SEALBRIDGE_TESTMODULE_CONTROL");
  presence_.configure(control != nullptr ? std::filesystem::path(control)
                                         : std::filesystem::path{});
  sessions_.clear();
  removed_.clear();
  hooks_ = make_hooks();
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
  return finalize_target_ ? target_.api().C_Finalize(reserved) : CKR_OK;
}

CK_FUNCTION_LIST* state::api() const {
  return initialized_ ? &target_.api() : nullptr;
}

CK_RV state::run_hooks(const call_context& call) {
  for (auto& hook : hooks_) {
    if (auto rv = hook->before(call)) return *rv;
  }
  return CKR_OK;
}

CK_RV state::before_call(const call_context& call) {
  {
    std::lock_guard lock(mutex_);
    refresh_locked();
  }
  return run_hooks(call);
}

CK_RV state::before_slot_call(const call_context& call) {
  {
    std::lock_guard lock(mutex_);
    refresh_locked();
    if (call.slot && slot_hidden_locked(*call.slot)) return CKR_TOKEN_NOT_PRESENT;
  }
  return run_hooks(call);
}

CK_RV state::before_session_call(const call_context& call) {
  {
    std::lock_guard lock(mutex_);
    refresh_locked();
    if (call.session && removed_.count(*call.session) != 0) return CKR_DEVICE_REMOVED;
  }
  return run_hooks(call);
}

bool state::slot_hidden(CK_SLOT_ID slot) {
  std::lock_guard lock(mutex_);
  refresh_locked();
  return slot_hidden_locked(slot);
}

void state::session_opened(CK_SESSION_HANDLE session, CK_SLOT_ID slot) {
  std::lock_guard lock(mutex_);
  sessions_[session] = slot;
  // The target may reuse the number of a session that died in an unplug.
  removed_.erase(session);
}

bool state::session_closing(CK_SESSION_HANDLE session) {
  std::lock_guard lock(mutex_);
  sessions_.erase(session);
  return removed_.erase(session) != 0;
}

void state::all_sessions_closed(CK_SLOT_ID slot) {
  std::lock_guard lock(mutex_);
  std::erase_if(sessions_, [slot](const auto& entry) { return entry.second == slot; });
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
    it = sessions_.erase(it);
  }
}

bool state::slot_hidden_locked(CK_SLOT_ID slot) {
  if (!initialized_ || !presence_.any_hidden()) return false;
  CK_TOKEN_INFO info{};
  if (target_.api().C_GetTokenInfo(slot, &info) != CKR_OK) return false;
  return presence_.hidden(trimmed_serial(info));
}

}  // namespace sealbridge::testmodule
