#pragma once

#include <p11-kit/pkcs11.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "tests/testmodule/config.hpp"
#include "tests/testmodule/hooks.hpp"
#include "tests/testmodule/pin_counter.hpp"
#include "tests/testmodule/presence.hpp"
#include "tests/testmodule/sm2_objects.hpp"
#include "tests/testmodule/sm2_signing.hpp"
#include "tests/testmodule/target.hpp"

namespace sealbridge::testmodule {

// Which presence check a call gets before anything else.
enum class gate {
  none,     // C_GetInfo, C_GetSlotList, ...
  slot,     // hidden slot: CKR_TOKEN_NOT_PRESENT
  session,  // session that lived through an unplug: CKR_DEVICE_REMOVED
};

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

  // Presence gate, then the hooks around `body`; the answer of the first that refuses wins.
  CK_RV dispatch(const call_context& call, gate g, const std::function<CK_RV()>& body);

  bool slot_hidden(CK_SLOT_ID slot);
  void session_opened(CK_SESSION_HANDLE session, CK_SLOT_ID slot);
  // True when the session was already closed by an unplug: the caller answers CKR_OK itself.
  bool session_closing(CK_SESSION_HANDLE session);
  void all_sessions_closed(CK_SLOT_ID slot);

  pin_counter& pins() { return pins_; }
  sm2_objects& sm2_keys() { return sm2_objects_; }
  sm2_signing& sm2() { return sm2_signing_; }

 private:
  state() = default;
  CK_RV run_hooks(std::size_t index, const call_context& call, const std::function<CK_RV()>& body);
  // Re-reads the control file; a token that just became hidden loses its sessions, as on a
  // real unplug, and they stay dead after the token returns.
  void refresh_locked();
  bool slot_hidden_locked(CK_SLOT_ID slot);
  void forget_session(CK_SESSION_HANDLE session);

  std::mutex mutex_;
  target target_;
  std::atomic<bool> initialized_{false};
  bool finalize_target_ = false;
  presence presence_;
  std::map<CK_SESSION_HANDLE, CK_SLOT_ID> sessions_;
  std::set<CK_SESSION_HANDLE> removed_;
  std::vector<std::unique_ptr<call_hook>> hooks_;
  pin_counter pins_;
  sm2_objects sm2_objects_;
  sm2_signing sm2_signing_{sm2_objects_};
};

}  // namespace sealbridge::testmodule
