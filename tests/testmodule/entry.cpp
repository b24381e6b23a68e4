// The PKCS#11 entry points. Each one forwards to the target module, or runs a body that adds
// what the target lacks (PIN retry counters, SM2); presence control and hooks get their say
// first. Nothing may throw across the C ABI, so every entry point runs inside shielded().

#include <p11-kit/pkcs11.h>

#include <algorithm>
#include <cstddef>
#include <new>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "tests/testmodule/sm2_mechanisms.hpp"
#include "tests/testmodule/sm2_objects.hpp"
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

// What a call's first argument names, for hooks: C_CloseSession names a session and
// C_GetSlotInfo a slot although neither is refused by the presence gate.
enum class first_arg { other, slot, session };

constexpr first_arg named_by(gate g) {
  if (g == gate::slot) return first_arg::slot;
  if (g == gate::session) return first_arg::session;
  return first_arg::other;
}

// One entry point: presence gate, hooks, then `Body` (a function taking the target's function
// list and the call's arguments) or, without one, the target's own entry.
template <fixed_string Name, auto Member, gate G, auto Body = nullptr, first_arg A = named_by(G),
          typename Fn = entry_type<Member>>
struct entry;
template <fixed_string Name, auto Member, gate G, auto Body, first_arg A, typename First,
          typename... Rest>
struct entry<Name, Member, G, Body, A, CK_RV (*)(First, Rest...)> {
  static CK_RV call(First first, Rest... rest) noexcept {
    return shielded([&]() -> CK_RV {
      CK_FUNCTION_LIST* api = state::get().api();
      if (api == nullptr) return CKR_CRYPTOKI_NOT_INITIALIZED;
      call_context context{Name.view(), {}, {}};
      if constexpr (A == first_arg::slot) context.slot = first;
      if constexpr (A == first_arg::session) context.session = first;
      return state::get().dispatch(context, G, [&]() -> CK_RV {
        if constexpr (std::is_null_pointer_v<decltype(Body)>) {
          return (api->*Member)(first, rest...);
        } else {
          return Body(*api, first, rest...);
        }
      });
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

// Bodies that change what a call does. Each sees the target's function list and the call's
// arguments; what is not theirs they forward unchanged.

CK_RV slot_list_body(CK_FUNCTION_LIST& api, CK_BBOOL token_present, CK_SLOT_ID* list,
                     CK_ULONG* count) {
  if (count == nullptr) return CKR_ARGUMENTS_BAD;
  if (token_present == CK_FALSE) return api.C_GetSlotList(token_present, list, count);

  std::vector<CK_SLOT_ID> slots;
  for (;;) {
    CK_ULONG n = 0;
    if (const CK_RV rv = api.C_GetSlotList(CK_TRUE, nullptr, &n); rv != CKR_OK) return rv;
    slots.resize(n);
    if (n == 0) break;
    const CK_RV rv = api.C_GetSlotList(CK_TRUE, slots.data(), &n);
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
}

CK_RV slot_info_body(CK_FUNCTION_LIST& api, CK_SLOT_ID slot, CK_SLOT_INFO* info) {
  const CK_RV rv = api.C_GetSlotInfo(slot, info);
  // The reader stays; only the token left it.
  if (rv == CKR_OK && state::get().slot_hidden(slot)) info->flags &= ~CK_FLAGS{CKF_TOKEN_PRESENT};
  return rv;
}

CK_RV open_session_body(CK_FUNCTION_LIST& api, CK_SLOT_ID slot, CK_FLAGS flags, void* application,
                        CK_NOTIFY notify, CK_SESSION_HANDLE* session) {
  const CK_RV rv = api.C_OpenSession(slot, flags, application, notify, session);
  if (rv == CKR_OK && session != nullptr) state::get().session_opened(*session, slot);
  return rv;
}

CK_RV close_session_body(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session) {
  // Closing a session the unplug already closed succeeds, so applications can clean up.
  if (state::get().session_closing(session)) return CKR_OK;
  return api.C_CloseSession(session);
}

CK_RV close_all_sessions_body(CK_FUNCTION_LIST& api, CK_SLOT_ID slot) {
  state::get().all_sessions_closed(slot);
  return api.C_CloseAllSessions(slot);
}

// Like SoftHSM: no slot events, so the daemon's polling path is what gets tested.
CK_RV wait_for_slot_event(CK_FLAGS, CK_SLOT_ID*, void*) {
  return state::get().api() == nullptr ? CKR_CRYPTOKI_NOT_INITIALIZED : CKR_FUNCTION_NOT_SUPPORTED;
}

CK_RV token_info_body(CK_FUNCTION_LIST& api, CK_SLOT_ID slot, CK_TOKEN_INFO* info) {
  return state::get().pins().token_info(api, slot, info);
}

CK_RV mechanism_list_body(CK_FUNCTION_LIST& api, CK_SLOT_ID slot, CK_MECHANISM_TYPE* list,
                          CK_ULONG* count) {
  return state::get().sm2().mechanism_list(api, slot, list, count);
}

CK_RV mechanism_info_body(CK_FUNCTION_LIST& api, CK_SLOT_ID slot, CK_MECHANISM_TYPE type,
                          CK_MECHANISM_INFO* info) {
  return state::get().sm2().mechanism_info(api, slot, type, info);
}

CK_RV init_pin_body(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_UTF8CHAR* pin,
                    CK_ULONG len) {
  return state::get().pins().init_pin(api, session, pin, len);
}

CK_RV set_pin_body(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_UTF8CHAR* old_pin,
                   CK_ULONG old_len, CK_UTF8CHAR* new_pin, CK_ULONG new_len) {
  return state::get().pins().set_pin(api, session, old_pin, old_len, new_pin, new_len);
}

CK_RV login_body(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_USER_TYPE user,
                 CK_UTF8CHAR* pin, CK_ULONG len) {
  return state::get().pins().login(api, session, user, pin, len);
}

CK_RV create_object_body(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_ATTRIBUTE* tmpl,
                         CK_ULONG count, CK_OBJECT_HANDLE* object) {
  if (!sm2_objects::is_sm2_template(tmpl, count)) {
    return api.C_CreateObject(session, tmpl, count, object);
  }
  return state::get().sm2_keys().create_object(api, session, tmpl, count, object);
}

CK_RV copy_object_body(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object,
                       CK_ATTRIBUTE* tmpl, CK_ULONG count, CK_OBJECT_HANDLE* copy) {
  if (sm2_objects::is_virtual(object)) return CKR_ACTION_PROHIBITED;
  return api.C_CopyObject(session, object, tmpl, count, copy);
}

CK_RV destroy_object_body(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session,
                          CK_OBJECT_HANDLE object) {
  if (!sm2_objects::is_virtual(object)) return api.C_DestroyObject(session, object);
  return state::get().sm2_keys().destroy_object(api, session, object);
}

CK_RV object_size_body(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object,
                       CK_ULONG* size) {
  if (sm2_objects::is_virtual(object)) return CKR_INFORMATION_SENSITIVE;
  return api.C_GetObjectSize(session, object, size);
}

CK_RV get_attribute_body(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object,
                         CK_ATTRIBUTE* tmpl, CK_ULONG count) {
  if (!sm2_objects::is_virtual(object)) {
    return api.C_GetAttributeValue(session, object, tmpl, count);
  }
  return state::get().sm2_keys().get_attribute_value(api, session, object, tmpl, count);
}

CK_RV set_attribute_body(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object,
                         CK_ATTRIBUTE* tmpl, CK_ULONG count) {
  if (!sm2_objects::is_virtual(object)) {
    return api.C_SetAttributeValue(session, object, tmpl, count);
  }
  return state::get().sm2_keys().set_attribute_value(api, session, object, tmpl, count);
}

CK_RV find_init_body(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_ATTRIBUTE* tmpl,
                     CK_ULONG count) {
  return state::get().sm2_keys().find_init(api, session, tmpl, count);
}

CK_RV find_body(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_OBJECT_HANDLE* out,
                CK_ULONG max, CK_ULONG* count) {
  return state::get().sm2_keys().find(api, session, out, max, count);
}

CK_RV find_final_body(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session) {
  return state::get().sm2_keys().find_final(api, session);
}

CK_RV digest_init_body(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_MECHANISM* mech) {
  return state::get().sm2().digest_init(api, session, mech);
}

CK_RV digest_body(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_BYTE* data, CK_ULONG len,
                  CK_BYTE* out, CK_ULONG* out_len) {
  return state::get().sm2().digest(api, session, data, len, out, out_len);
}

CK_RV digest_update_body(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_BYTE* part,
                         CK_ULONG len) {
  return state::get().sm2().digest_update(api, session, part, len);
}

CK_RV digest_final_body(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_BYTE* out,
                        CK_ULONG* out_len) {
  return state::get().sm2().digest_final(api, session, out, out_len);
}

CK_RV sign_init_body(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_MECHANISM* mech,
                     CK_OBJECT_HANDLE key) {
  return state::get().sm2().sign_init(api, session, mech, key);
}

CK_RV sign_body(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_BYTE* data, CK_ULONG len,
                CK_BYTE* signature, CK_ULONG* signature_len) {
  return state::get().sm2().sign(api, session, data, len, signature, signature_len);
}

CK_RV sign_update_body(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_BYTE* part,
                       CK_ULONG len) {
  return state::get().sm2().sign_update(api, session, part, len);
}

CK_RV sign_final_body(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_BYTE* signature,
                      CK_ULONG* signature_len) {
  return state::get().sm2().sign_final(api, session, signature, signature_len);
}

CK_RV generate_key_pair_body(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_MECHANISM* mech,
                             CK_ATTRIBUTE* pub_tmpl, CK_ULONG pub_count, CK_ATTRIBUTE* priv_tmpl,
                             CK_ULONG priv_count, CK_OBJECT_HANDLE* pub, CK_OBJECT_HANDLE* priv) {
  if (mech == nullptr || mech->mechanism != ckm_vendor_sm2_key_pair_gen) {
    return api.C_GenerateKeyPair(session, mech, pub_tmpl, pub_count, priv_tmpl, priv_count, pub,
                                 priv);
  }
  return state::get().sm2_keys().generate_key_pair(api, session, pub_tmpl, pub_count, priv_tmpl,
                                                   priv_count, pub, priv);
}

#define SB_PLAIN(fn) .fn = &entry<#fn, &CK_FUNCTION_LIST::fn, gate::none>::call
#define SB_SLOT(fn) .fn = &entry<#fn, &CK_FUNCTION_LIST::fn, gate::slot>::call
#define SB_SESSION(fn) .fn = &entry<#fn, &CK_FUNCTION_LIST::fn, gate::session>::call
#define SB_OWN(fn, g, body) .fn = &entry<#fn, &CK_FUNCTION_LIST::fn, g, &body>::call
#define SB_SLOT_OWN(fn, body) SB_OWN(fn, gate::slot, body)
#define SB_SESSION_OWN(fn, body) SB_OWN(fn, gate::session, body)

// All 68 entries of PKCS#11 v2.40, in the order of the standard's CK_FUNCTION_LIST.
CK_FUNCTION_LIST function_list = {
    .version = {CRYPTOKI_VERSION_MAJOR, CRYPTOKI_VERSION_MINOR},
    .C_Initialize = &initialize,
    .C_Finalize = &finalize,
    SB_PLAIN(C_GetInfo),
    .C_GetFunctionList = &get_function_list,
    SB_OWN(C_GetSlotList, gate::none, slot_list_body),
    .C_GetSlotInfo = &entry<"C_GetSlotInfo", &CK_FUNCTION_LIST::C_GetSlotInfo, gate::none,
                            &slot_info_body, first_arg::slot>::call,
    SB_SLOT_OWN(C_GetTokenInfo, token_info_body),
    SB_SLOT_OWN(C_GetMechanismList, mechanism_list_body),
    SB_SLOT_OWN(C_GetMechanismInfo, mechanism_info_body),
    SB_SLOT(C_InitToken),
    SB_SESSION_OWN(C_InitPIN, init_pin_body),
    SB_SESSION_OWN(C_SetPIN, set_pin_body),
    SB_SLOT_OWN(C_OpenSession, open_session_body),
    .C_CloseSession = &entry<"C_CloseSession", &CK_FUNCTION_LIST::C_CloseSession, gate::none,
                             &close_session_body, first_arg::session>::call,
    SB_SLOT_OWN(C_CloseAllSessions, close_all_sessions_body),
    SB_SESSION(C_GetSessionInfo),
    SB_SESSION(C_GetOperationState),
    SB_SESSION(C_SetOperationState),
    SB_SESSION_OWN(C_Login, login_body),
    SB_SESSION(C_Logout),
    SB_SESSION_OWN(C_CreateObject, create_object_body),
    SB_SESSION_OWN(C_CopyObject, copy_object_body),
    SB_SESSION_OWN(C_DestroyObject, destroy_object_body),
    SB_SESSION_OWN(C_GetObjectSize, object_size_body),
    SB_SESSION_OWN(C_GetAttributeValue, get_attribute_body),
    SB_SESSION_OWN(C_SetAttributeValue, set_attribute_body),
    SB_SESSION_OWN(C_FindObjectsInit, find_init_body),
    SB_SESSION_OWN(C_FindObjects, find_body),
    SB_SESSION_OWN(C_FindObjectsFinal, find_final_body),
    SB_SESSION(C_EncryptInit),
    SB_SESSION(C_Encrypt),
    SB_SESSION(C_EncryptUpdate),
    SB_SESSION(C_EncryptFinal),
    SB_SESSION(C_DecryptInit),
    SB_SESSION(C_Decrypt),
    SB_SESSION(C_DecryptUpdate),
    SB_SESSION(C_DecryptFinal),
    SB_SESSION_OWN(C_DigestInit, digest_init_body),
    SB_SESSION_OWN(C_Digest, digest_body),
    SB_SESSION_OWN(C_DigestUpdate, digest_update_body),
    SB_SESSION(C_DigestKey),
    SB_SESSION_OWN(C_DigestFinal, digest_final_body),
    SB_SESSION_OWN(C_SignInit, sign_init_body),
    SB_SESSION_OWN(C_Sign, sign_body),
    SB_SESSION_OWN(C_SignUpdate, sign_update_body),
    SB_SESSION_OWN(C_SignFinal, sign_final_body),
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
    SB_SESSION_OWN(C_GenerateKeyPair, generate_key_pair_body),
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
#undef SB_OWN
#undef SB_SLOT_OWN
#undef SB_SESSION_OWN

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
