#pragma once

#include <p11-kit/pkcs11.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "tests/testmodule/hooks.hpp"
#include "tests/testmodule/presence.hpp"
#include "tests/testmodule/target.hpp"

namespace sealbridge::testmodule {

// Everything the module knows between calls. One instance per process (the PKCS#11 module
// itself is process-global). Applications may call from many threads: bookkeeping is under
// mutex_, but forwarded calls run unlocked so one blocked call does not stall the others.
class state {
 public:
  static state& get();

  CK_RV initialize(void* init_args);
  CK_RV finalize(void* reserved);
  // nullptr until C_Initialize succeeded.
  CK_FUNCTION_LIST* api() const;

  // Gates run before forwarding; anything but CKR_OK is the call's answer.
  CK_RV before_call(const call_context& call);
  CK_RV before_slot_call(const call_context& call);     // hidden slot: CKR_TOKEN_NOT_PRESENT
  CK_RV before_session_call(const call_context& call);  // removed session: CKR_DEVICE_REMOVED

  bool slot_hidden(CK_SLOT_ID slot);
  void session_opened(CK_SESSION_HANDLE session, CK_SLOT_ID slot);
  // True when the session was already closed by an unplug: the caller answers CKR_OK itself.
  bool session_closing(CK_SESSION_HANDLE session);
  void all_sessions_closed(CK_SLOT_ID slot);

 private:
  state() = default;
  CK_RV run_hooks(const call_context& call);
  // Re-reads the control file; a token that just became hidden loses its sessions, as on a
  // real unplug, and they stay dead after the token returns.
  void refresh_locked();
  bool slot_hidden_locked(CK_SLOT_ID slot);

  std::mutex mutex_;
  target target_;
  std::atomic<bool> initialized_{false};
  bool finalize_target_ = false;
  presence presence_;
  std::map<CK_SESSION_HANDLE, CK_SLOT_ID> sessions_;
  std::set<CK_SESSION_HANDLE> removed_;
  std::vector<std::unique_ptr<call_hook>> hooks_;
};

}  // namespace sealbridge::testmodule
