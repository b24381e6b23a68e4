#include "tests/testmodule/sm2_signing.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <optional>

#include "tests/testmodule/sm2_mechanisms.hpp"

namespace sealbridge::testmodule {
namespace {

constexpr std::array<CK_MECHANISM_TYPE, 4> vendor_mechanisms = {
    ckm_vendor_sm2, ckm_vendor_sm2_key_pair_gen, ckm_vendor_sm3_sm2, ckm_vendor_sm3};

// A DER SEQUENCE of two 32-byte INTEGERs, each possibly with a leading zero.
constexpr CK_ULONG sm2_der_signature_max = 72;
constexpr CK_ULONG sm3_len = 32;

bool logged_in_as_user(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_RV& rv) {
  CK_SESSION_INFO info{};
  rv = api.C_GetSessionInfo(session, &info);
  return rv == CKR_OK &&
         (info.state == CKS_RO_USER_FUNCTIONS || info.state == CKS_RW_USER_FUNCTIONS);
}

std::vector<std::uint8_t> joined(const std::vector<std::uint8_t>& head, const CK_BYTE* tail,
                                 CK_ULONG len) {
  std::vector<std::uint8_t> out = head;
  if (tail != nullptr) out.insert(out.end(), tail, tail + len);
  return out;
}

}  // namespace

sm2_signing::operation::~operation() {
  OPENSSL_cleanse(key.scalar.data(), key.scalar.size());
}

void sm2_signing::configure(const config& c) {
  std::lock_guard lock(mutex_);
  format_ = c.sm2_signature;
}

CK_RV sm2_signing::sign_init(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_MECHANISM* mech,
                             CK_OBJECT_HANDLE key) {
  const bool vendor = mech != nullptr &&
                      (mech->mechanism == ckm_vendor_sm2 || mech->mechanism == ckm_vendor_sm3_sm2);
  const bool virtual_key = sm2_objects::is_virtual(key);
  if (!vendor && !virtual_key) return api.C_SignInit(session, mech, key);
  if (!vendor || !virtual_key) return CKR_KEY_TYPE_INCONSISTENT;
  {
    std::lock_guard lock(mutex_);
    if (signs_.count(session) != 0) return CKR_OPERATION_ACTIVE;
  }
  // Before looking at the key: without a login the private backing object is invisible, and
  // a real key answers "not logged in", not "no such key".
  CK_RV rv = CKR_OK;
  if (!logged_in_as_user(api, session, rv)) return rv != CKR_OK ? rv : CKR_USER_NOT_LOGGED_IN;

  sm2_object o;
  if (rv = objects_.load(api, session, key, o); rv != CKR_OK) return rv;
  if (o.kind != sm2_kind::private_key) return CKR_KEY_FUNCTION_NOT_PERMITTED;

  operation op;
  op.mechanism = mech->mechanism;
  op.key = {*o.record.scalar, o.record.point};
  OPENSSL_cleanse(o.record.scalar->data(), o.record.scalar->size());
  const auto* param = static_cast<const std::uint8_t*>(mech->pParameter);
  if (op.mechanism == ckm_vendor_sm3_sm2) {
    if (param != nullptr && mech->ulParameterLen > 0) {
      op.user_id.assign(param, param + mech->ulParameterLen);
    } else {
      op.user_id.assign(sm2_default_user_id.begin(), sm2_default_user_id.end());
    }
  } else if (mech->ulParameterLen != 0) {
    return CKR_MECHANISM_PARAM_INVALID;
  }
  std::lock_guard lock(mutex_);
  if (signs_.count(session) != 0) return CKR_OPERATION_ACTIVE;
  signs_.emplace(session, std::move(op));
  return CKR_OK;
}

CK_RV sm2_signing::sign(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_BYTE* data,
                        CK_ULONG len, CK_BYTE* signature, CK_ULONG* signature_len) {
  if (!signing(session)) return api.C_Sign(session, data, len, signature, signature_len);
  return finish_sign(session, data, len, signature, signature_len);
}

CK_RV sm2_signing::sign_update(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_BYTE* part,
                               CK_ULONG len) {
  std::unique_lock lock(mutex_);
  const auto it = signs_.find(session);
  if (it == signs_.end()) {
    lock.unlock();
    return api.C_SignUpdate(session, part, len);
  }
  if (part == nullptr && len != 0) {
    signs_.erase(it);
    return CKR_ARGUMENTS_BAD;
  }
  if (part != nullptr) it->second.data.insert(it->second.data.end(), part, part + len);
  return CKR_OK;
}

CK_RV sm2_signing::sign_final(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_BYTE* signature,
                              CK_ULONG* signature_len) {
  if (!signing(session)) return api.C_SignFinal(session, signature, signature_len);
  return finish_sign(session, nullptr, 0, signature, signature_len);
}

bool sm2_signing::signing(CK_SESSION_HANDLE session) {
  std::lock_guard lock(mutex_);
  return signs_.count(session) != 0;
}

bool sm2_signing::digesting(CK_SESSION_HANDLE session) {
  std::lock_guard lock(mutex_);
  return digests_.count(session) != 0;
}

CK_RV sm2_signing::finish_sign(CK_SESSION_HANDLE session, const CK_BYTE* data, CK_ULONG len,
                               CK_BYTE* signature, CK_ULONG* signature_len) {
  std::lock_guard lock(mutex_);
  const auto it = signs_.find(session);
  if (it == signs_.end()) return CKR_OPERATION_NOT_INITIALIZED;
  // Length queries and short buffers keep the operation; everything else ends it.
  if (signature_len == nullptr || (data == nullptr && len != 0)) {
    signs_.erase(it);
    return CKR_ARGUMENTS_BAD;
  }
  const CK_ULONG max =
      format_ == sm2_signature_format::raw ? sm2_raw_signature_len : sm2_der_signature_max;
  if (signature == nullptr) {
    *signature_len = max;
    return CKR_OK;
  }
  const operation& op = it->second;
  const auto input = joined(op.data, data, len);
  std::optional<std::vector<std::uint8_t>> der;
  if (op.mechanism == ckm_vendor_sm2) {
    if (input.size() != sm3_len) {
      signs_.erase(it);
      return CKR_DATA_LEN_RANGE;
    }
    der = sm2_sign_digest(op.key, input);
  } else {
    der = sm2_sign_message(op.key, op.user_id, input);
  }
  const auto out = !der                                   ? std::nullopt
                   : format_ == sm2_signature_format::raw ? sm2_der_to_raw(*der)
                                                          : der;
  if (!out) {
    signs_.erase(it);
    return CKR_FUNCTION_FAILED;
  }
  // Signatures are randomized, so a retry may be a byte longer: ask for the most it can be.
  if (*signature_len < out->size()) {
    *signature_len = max;
    return CKR_BUFFER_TOO_SMALL;
  }
  std::copy(out->begin(), out->end(), signature);
  *signature_len = static_cast<CK_ULONG>(out->size());
  signs_.erase(it);
  return CKR_OK;
}

CK_RV sm2_signing::digest_init(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session,
                               CK_MECHANISM* mech) {
  if (mech == nullptr || mech->mechanism != ckm_vendor_sm3) return api.C_DigestInit(session, mech);
  std::lock_guard lock(mutex_);
  if (digests_.count(session) != 0) return CKR_OPERATION_ACTIVE;
  digests_[session];
  return CKR_OK;
}

CK_RV sm2_signing::digest(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_BYTE* data,
                          CK_ULONG len, CK_BYTE* out, CK_ULONG* out_len) {
  if (!digesting(session)) return api.C_Digest(session, data, len, out, out_len);
  return finish_digest(session, data, len, out, out_len);
}

CK_RV sm2_signing::digest_update(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_BYTE* part,
                                 CK_ULONG len) {
  std::unique_lock lock(mutex_);
  const auto it = digests_.find(session);
  if (it == digests_.end()) {
    lock.unlock();
    return api.C_DigestUpdate(session, part, len);
  }
  if (part == nullptr && len != 0) {
    digests_.erase(it);
    return CKR_ARGUMENTS_BAD;
  }
  if (part != nullptr) it->second.insert(it->second.end(), part, part + len);
  return CKR_OK;
}

CK_RV sm2_signing::digest_final(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_BYTE* out,
                                CK_ULONG* out_len) {
  if (!digesting(session)) return api.C_DigestFinal(session, out, out_len);
  return finish_digest(session, nullptr, 0, out, out_len);
}

CK_RV sm2_signing::finish_digest(CK_SESSION_HANDLE session, const CK_BYTE* data, CK_ULONG len,
                                 CK_BYTE* out, CK_ULONG* out_len) {
  std::lock_guard lock(mutex_);
  const auto it = digests_.find(session);
  if (it == digests_.end()) return CKR_OPERATION_NOT_INITIALIZED;
  if (out_len == nullptr || (data == nullptr && len != 0)) {
    digests_.erase(it);
    return CKR_ARGUMENTS_BAD;
  }
  if (out == nullptr) {
    *out_len = sm3_len;
    return CKR_OK;
  }
  if (*out_len < sm3_len) {
    *out_len = sm3_len;
    return CKR_BUFFER_TOO_SMALL;
  }
  const auto digest = sm3(joined(it->second, data, len));
  digests_.erase(it);
  if (!digest) return CKR_FUNCTION_FAILED;
  std::copy(digest->begin(), digest->end(), out);
  *out_len = sm3_len;
  return CKR_OK;
}

CK_RV sm2_signing::mechanism_list(CK_FUNCTION_LIST& api, CK_SLOT_ID slot, CK_MECHANISM_TYPE* list,
                                  CK_ULONG* count) {
  if (count == nullptr) return CKR_ARGUMENTS_BAD;
  std::vector<CK_MECHANISM_TYPE> all;
  for (;;) {
    CK_ULONG n = 0;
    if (const CK_RV rv = api.C_GetMechanismList(slot, nullptr, &n); rv != CKR_OK) return rv;
    all.resize(n);
    const CK_RV rv = api.C_GetMechanismList(slot, all.data(), &n);
    if (rv == CKR_BUFFER_TOO_SMALL) continue;
    if (rv != CKR_OK) return rv;
    all.resize(n);
    break;
  }
  all.insert(all.end(), vendor_mechanisms.begin(), vendor_mechanisms.end());
  const auto wanted = static_cast<CK_ULONG>(all.size());
  if (list == nullptr) {
    *count = wanted;
    return CKR_OK;
  }
  if (*count < wanted) {
    *count = wanted;
    return CKR_BUFFER_TOO_SMALL;
  }
  std::copy(all.begin(), all.end(), list);
  *count = wanted;
  return CKR_OK;
}

CK_RV sm2_signing::mechanism_info(CK_FUNCTION_LIST& api, CK_SLOT_ID slot, CK_MECHANISM_TYPE type,
                                  CK_MECHANISM_INFO* info) {
  if (std::find(vendor_mechanisms.begin(), vendor_mechanisms.end(), type) ==
      vendor_mechanisms.end()) {
    return api.C_GetMechanismInfo(slot, type, info);
  }
  // The slot still has to exist and hold a token.
  CK_TOKEN_INFO token{};
  if (const CK_RV rv = api.C_GetTokenInfo(slot, &token); rv != CKR_OK) return rv;
  if (info == nullptr) return CKR_ARGUMENTS_BAD;
  info->ulMinKeySize = 256;
  info->ulMaxKeySize = 256;
  info->flags = CKF_HW;
  if (type == ckm_vendor_sm2_key_pair_gen) info->flags |= CKF_GENERATE_KEY_PAIR;
  if (type == ckm_vendor_sm2 || type == ckm_vendor_sm3_sm2) info->flags |= CKF_SIGN;
  if (type == ckm_vendor_sm3) {
    info->flags |= CKF_DIGEST;
    info->ulMinKeySize = 0;
    info->ulMaxKeySize = 0;
  }
  return CKR_OK;
}

void sm2_signing::forget_session(CK_SESSION_HANDLE session) {
  std::lock_guard lock(mutex_);
  signs_.erase(session);
  digests_.erase(session);
}

void sm2_signing::reset() {
  std::lock_guard lock(mutex_);
  signs_.clear();
  digests_.clear();
}

}  // namespace sealbridge::testmodule
