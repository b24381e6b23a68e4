// The PKCS#11 entry points. Each one forwards to the target module; presence control and
// hooks get their say first. Nothing may throw across the C ABI, so every entry point runs
// inside shielded().

#include <p11-kit/pkcs11.h>

#include <algorithm>
#include <cstddef>
#include <new>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "tests/testmodule/state.hpp"

namespace sealbridge::testmodule {
namespace {

template <std::size_t N>
struct fixed_string {
  constexpr fixed_string(const char (&s)[N]) { std::copy_n(s, N, text); }
  constexpr std::string_view view() const { return {text, N - 1}; }
  char text[N]{};
};

template <typename F>
CK_RV shielded(F&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return CKR_HOST_MEMORY;
  } catch (...) {
    return CKR_GENERAL_ERROR;
  }
}

template <auto Member>
using entry_type = std::remove_cvref_t<decltype(std::declval<CK_FUNCTION_LIST&>().*Member)>;

// Calls that address neither a slot nor a session (C_GetInfo).
template <fixed_string Name, auto Member, typename Fn = entry_type<Member>>
struct plain_call;
template <fixed_string Name, auto Member, typename... Args>
struct plain_call<Name, Member, CK_RV (*)(Args...)> {
  static CK_RV call(Args... args) noexcept {
    return shielded([&]() -> CK_RV {
      CK_FUNCTION_LIST* api = state::get().api();
      if (api == nullptr) return CKR_CRYPTOKI_NOT_INITIALIZED;
      if (const CK_RV rv = state::get().before_call({Name.view(), {}, {}}); rv != CKR_OK) {
        return rv;
      }
      return (api->*Member)(args...);
    });
  }
};

// Calls addressed to a slot: an unplugged token is not there.
template <fixed_string Name, auto Member, typename Fn = entry_type<Member>>
struct slot_call;
template <fixed_string Name, auto Member, typename... Rest>
struct slot_call<Name, Member, CK_RV (*)(CK_SLOT_ID, Rest...)> {
  static CK_RV call(CK_SLOT_ID slot, Rest... rest) noexcept {
    return shielded([&]() -> CK_RV {
      CK_FUNCTION_LIST* api = state::get().api();
      if (api == nullptr) return CKR_CRYPTOKI_NOT_INITIALIZED;
      if (const CK_RV rv = state::get().before_slot_call({Name.view(), slot, {}}); rv != CKR_OK) {
        return rv;
      }
      return (api->*Member)(slot, rest...);
    });
  }
};

// Calls on a session: a session that lived through an unplug is dead.
template <fixed_string Name, auto Member, typename Fn = entry_type<Member>>
struct session_call;
template <fixed_string Name, auto Member, typename... Rest>
struct session_call<Name, Member, CK_RV (*)(CK_SESSION_HANDLE, Rest...)> {
  static CK_RV call(CK_SESSION_HANDLE session, Rest... rest) noexcept {
    return shielded([&]() -> CK_RV {
      CK_FUNCTION_LIST* api = state::get().api();
      if (api == nullptr) return CKR_CRYPTOKI_NOT_INITIALIZED;
      const CK_RV rv = state::get().before_session_call({Name.view(), {}, session});
      if (rv != CKR_OK) return rv;
      return (api->*Member)(session, rest...);
    });
  }
};

CK_RV initialize(void* init_args) {
  return shielded([&] { return state::get().initialize(init_args); });
}

CK_RV finalize(void* reserved) {
  return shielded([&] { return state::get().finalize(reserved); });
}

CK_RV get_function_list(CK_FUNCTION_LIST** list) noexcept;

CK_RV get_slot_list(CK_BBOOL token_present, CK_SLOT_ID* list, CK_ULONG* count) {
  return shielded([&]() -> CK_RV {
    CK_FUNCTION_LIST* api = state::get().api();
    if (api == nullptr) return CKR_CRYPTOKI_NOT_INITIALIZED;
    if (count == nullptr) return CKR_ARGUMENTS_BAD;
    if (const CK_RV rv = state::get().before_call({"C_GetSlotList", {}, {}}); rv != CKR_OK) {
      return rv;
    }
    if (token_present == CK_FALSE) return api->C_GetSlotList(token_present, list, count);

    std::vector<CK_SLOT_ID> slots;
    for (;;) {
      CK_ULONG n = 0;
      if (const CK_RV rv = api->C_GetSlotList(CK_TRUE, nullptr, &n); rv != CKR_OK) return rv;
      slots.resize(n);
      if (n == 0) break;
      const CK_RV rv = api->C_GetSlotList(CK_TRUE, slots.data(), &n);
      if (rv == CKR_BUFFER_TOO_SMALL) continue;
      if (rv != CKR_OK) return rv;
      slots.resize(n);
      break;
    }
    std::erase_if(slots, [](CK_SLOT_ID slot) { return state::get().slot_hidden(slot); });

    const auto wanted = static_cast<CK_ULONG>(slots.size());
    if (list == nullptr) {
      *count = wanted;
      return CKR_OK;
    }
    if (*count < wanted) {
      *count = wanted;
      return CKR_BUFFER_TOO_SMALL;
    }
    std::copy(slots.begin(), slots.end(), list);
    *count = wanted;
    return CKR_OK;
  });
}

CK_RV get_slot_info(CK_SLOT_ID slot, CK_SLOT_INFO* info) {
  return shielded([&]() -> CK_RV {
    CK_FUNCTION_LIST* api = state::get().api();
    if (api == nullptr) return CKR_CRYPTOKI_NOT_INITIALIZED;
    if (const CK_RV rv = state::get().before_call({"C_GetSlotInfo", slot, {}}); rv != CKR_OK) {
      return rv;
    }
    const CK_RV rv = api->C_GetSlotInfo(slot, info);
    // The reader stays; only the token left it.
    if (rv == CKR_OK && state::get().slot_hidden(slot)) info->flags &= ~CK_FLAGS{CKF_TOKEN_PRESENT};
    return rv;
  });
}

CK_RV open_session(CK_SLOT_ID slot, CK_FLAGS flags, void* application, CK_NOTIFY notify,
                   CK_SESSION_HANDLE* session) {
  return shielded([&]() -> CK_RV {
    CK_FUNCTION_LIST* api = state::get().api();
    if (api == nullptr) return CKR_CRYPTOKI_NOT_INITIALIZED;
    if (const CK_RV rv = state::get().before_slot_call({"C_OpenSession", slot, {}}); rv != CKR_OK) {
      return rv;
    }
    const CK_RV rv = api->C_OpenSession(slot, flags, application, notify, session);
    if (rv == CKR_OK && session != nullptr) state::get().session_opened(*session, slot);
    return rv;
  });
}

CK_RV close_session(CK_SESSION_HANDLE session) {
  return shielded([&]() -> CK_RV {
    CK_FUNCTION_LIST* api = state::get().api();
    if (api == nullptr) return CKR_CRYPTOKI_NOT_INITIALIZED;
    if (const CK_RV rv = state::get().before_call({"C_CloseSession", {}, session}); rv != CKR_OK) {
      return rv;
    }
    // Closing a session the unplug already closed succeeds, so applications can clean up.
    if (state::get().session_closing(session)) return CKR_OK;
    return api->C_CloseSession(session);
  });
}

CK_RV close_all_sessions(CK_SLOT_ID slot) {
  return shielded([&]() -> CK_RV {
    CK_FUNCTION_LIST* api = state::get().api();
    if (api == nullptr) return CKR_CRYPTOKI_NOT_INITIALIZED;
    const CK_RV rv = state::get().before_slot_call({"C_CloseAllSessions", slot, {}});
    if (rv != CKR_OK) return rv;
    state::get().all_sessions_closed(slot);
    return api->C_CloseAllSessions(slot);
  });
}

// Like SoftHSM: no slot events, so the daemon's polling path is what gets tested.
CK_RV wait_for_slot_event(CK_FLAGS, CK_SLOT_ID*, void*) {
  return state::get().api() == nullptr ? CKR_CRYPTOKI_NOT_INITIALIZED : CKR_FUNCTION_NOT_SUPPORTED;
}

#define SB_PLAIN(fn) .fn = &plain_call<#fn, &CK_FUNCTION_LIST::fn>::call
#define SB_SLOT(fn) .fn = &slot_call<#fn, &CK_FUNCTION_LIST::fn>::call
#define SB_SESSION(fn) .fn = &session_call<#fn, &CK_FUNCTION_LIST::fn>::call

// All 68 entries of PKCS#11 v2.40, in the order of the standard's CK_FUNCTION_LIST.
CK_FUNCTION_LIST function_list = {
    .version = {CRYPTOKI_VERSION_MAJOR, CRYPTOKI_VERSION_MINOR},
    .C_Initialize = &initialize,
    .C_Finalize = &finalize,
    SB_PLAIN(C_GetInfo),
    .C_GetFunctionList = &get_function_list,
    .C_GetSlotList = &get_slot_list,
    .C_GetSlotInfo = &get_slot_info,
    SB_SLOT(C_GetTokenInfo),
    SB_SLOT(C_GetMechanismList),
    SB_SLOT(C_GetMechanismInfo),
    SB_SLOT(C_InitToken),
    SB_SESSION(C_InitPIN),
    SB_SESSION(C_SetPIN),
    .C_OpenSession = &open_session,
    .C_CloseSession = &close_session,
    .C_CloseAllSessions = &close_all_sessions,
    SB_SESSION(C_GetSessionInfo),
    SB_SESSION(C_GetOperationState),
    SB_SESSION(C_SetOperationState),
    SB_SESSION(C_Login),
    SB_SESSION(C_Logout),
    SB_SESSION(C_CreateObject),
    SB_SESSION(C_CopyObject),
    SB_SESSION(C_DestroyObject),
    SB_SESSION(C_GetObjectSize),
    SB_SESSION(C_GetAttributeValue),
    SB_SESSION(C_SetAttributeValue),
    SB_SESSION(C_FindObjectsInit),
    SB_SESSION(C_FindObjects),
    SB_SESSION(C_FindObjectsFinal),
    SB_SESSION(C_EncryptInit),
    SB_SESSION(C_Encrypt),
    SB_SESSION(C_EncryptUpdate),
    SB_SESSION(C_EncryptFinal),
    SB_SESSION(C_DecryptInit),
    SB_SESSION(C_Decrypt),
    SB_SESSION(C_DecryptUpdate),
    SB_SESSION(C_DecryptFinal),
    SB_SESSION(C_DigestInit),
    SB_SESSION(C_Digest),
    SB_SESSION(C_DigestUpdate),
    SB_SESSION(C_DigestKey),
    SB_SESSION(C_DigestFinal),
    SB_SESSION(C_SignInit),
    SB_SESSION(C_Sign),
    SB_SESSION(C_SignUpdate),
    SB_SESSION(C_SignFinal),
    SB_SESSION(C_SignRecoverInit),
    SB_SESSION(C_SignRecover),
    SB_SESSION(C_VerifyInit),
    SB_SESSION(C_Verify),
    SB_SESSION(C_VerifyUpdate),
    SB_SESSION(C_VerifyFinal),
    SB_SESSION(C_VerifyRecoverInit),
    SB_SESSION(C_VerifyRecover),
    SB_SESSION(C_DigestEncryptUpdate),
    SB_SESSION(C_DecryptDigestUpdate),
    SB_SESSION(C_SignEncryptUpdate),
    SB_SESSION(C_DecryptVerifyUpdate),
    SB_SESSION(C_GenerateKey),
    SB_SESSION(C_GenerateKeyPair),
    SB_SESSION(C_WrapKey),
    SB_SESSION(C_UnwrapKey),
    SB_SESSION(C_DeriveKey),
    SB_SESSION(C_SeedRandom),
    SB_SESSION(C_GenerateRandom),
    SB_SESSION(C_GetFunctionStatus),
    SB_SESSION(C_CancelFunction),
    .C_WaitForSlotEvent = &wait_for_slot_event,
};

#undef SB_PLAIN
#undef SB_SLOT
#undef SB_SESSION

CK_RV get_function_list(CK_FUNCTION_LIST** list) noexcept {
  if (list == nullptr) return CKR_ARGUMENTS_BAD;
  *list = &function_list;
  return CKR_OK;
}

}  // namespace
}  // namespace sealbridge::testmodule

extern "C" __attribute__((visibility("default"))) CK_RV C_GetFunctionList(
    CK_FUNCTION_LIST_PTR_PTR list) {
  return sealbridge::testmodule::get_function_list(list);
}
