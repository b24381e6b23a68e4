#include "tests/testmodule/sm2_objects.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <string_view>

#include "tests/testmodule/sm2_attributes.hpp"
#include "tests/testmodule/sm2_mechanisms.hpp"

namespace sealbridge::testmodule {
namespace {

// Far above the small counters SoftHSM hands out, so the two never meet.
constexpr CK_OBJECT_HANDLE virtual_base = 0x7E000000UL;

constexpr std::string_view app_private = "sbtest-sm2-private";
constexpr std::string_view app_public = "sbtest-sm2-public";

std::string_view application(sm2_kind kind) {
  return kind == sm2_kind::private_key ? app_private : app_public;
}

void* bytes_of(std::string_view s) {
  // Only read by the target; the C structure predates const.
  return const_cast<char*>(s.data());
}

// Two-call read of one attribute of a target object.
CK_RV read_attribute(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object,
                     CK_ATTRIBUTE_TYPE type, std::vector<std::uint8_t>& out) {
  CK_ATTRIBUTE a{type, nullptr, 0};
  if (const CK_RV rv = api.C_GetAttributeValue(session, object, &a, 1); rv != CKR_OK) return rv;
  out.assign(a.ulValueLen, 0);
  a.pValue = out.data();
  if (const CK_RV rv = api.C_GetAttributeValue(session, object, &a, 1); rv != CKR_OK) return rv;
  out.resize(a.ulValueLen);
  return CKR_OK;
}

// A complete search on the target; the caller must not have one active on the session.
CK_RV find_all(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_ATTRIBUTE* tmpl, CK_ULONG count,
               std::vector<CK_OBJECT_HANDLE>& out) {
  if (const CK_RV rv = api.C_FindObjectsInit(session, tmpl, count); rv != CKR_OK) return rv;
  std::array<CK_OBJECT_HANDLE, 32> batch{};
  CK_RV rv = CKR_OK;
  for (;;) {
    CK_ULONG n = 0;
    rv = api.C_FindObjects(session, batch.data(), static_cast<CK_ULONG>(batch.size()), &n);
    if (rv != CKR_OK || n == 0) break;
    out.insert(out.end(), batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(n));
  }
  const CK_RV final_rv = api.C_FindObjectsFinal(session);
  return rv != CKR_OK ? rv : final_rv;
}

bool is_sm2_mechanism_key_type(const CK_ATTRIBUTE* tmpl, CK_ULONG count) {
  const auto type = template_ulong(tmpl, count, CKA_KEY_TYPE);
  return !type || *type == ckk_vendor_sm2;
}

// A template's CKA_EC_POINT: DER OCTET STRING around 04||x||y, or the bare point.
std::optional<sm2_point> point_from(const std::vector<std::uint8_t>& v) {
  std::span<const std::uint8_t> p(v);
  if (p.size() == 67 && p[0] == 0x04 && p[1] == 65) p = p.subspan(2);
  if (p.size() != 65 || p[0] != 0x04) return std::nullopt;
  sm2_point out{};
  std::copy(p.begin(), p.end(), out.begin());
  return out;
}

}  // namespace

bool sm2_objects::is_virtual(CK_OBJECT_HANDLE handle) {
  return handle >= virtual_base;
}

bool sm2_objects::is_sm2_template(const CK_ATTRIBUTE* tmpl, CK_ULONG count) {
  const auto cls = template_ulong(tmpl, count, CKA_CLASS);
  const auto type = template_ulong(tmpl, count, CKA_KEY_TYPE);
  return cls && (*cls == CKO_PRIVATE_KEY || *cls == CKO_PUBLIC_KEY) && type &&
         *type == ckk_vendor_sm2;
}

CK_OBJECT_HANDLE sm2_objects::virtual_of(CK_OBJECT_HANDLE backing, sm2_kind kind) {
  std::lock_guard lock(mutex_);
  if (const auto it = by_backing_.find(backing); it != by_backing_.end()) return it->second;
  const CK_OBJECT_HANDLE handle = virtual_base + next_virtual_++;
  by_backing_[backing] = handle;
  by_virtual_[handle] = {backing, kind};
  return handle;
}

CK_RV sm2_objects::store(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, sm2_kind kind,
                         const sm2_record& record, const std::string& label, bool token,
                         CK_OBJECT_HANDLE* virtual_handle) {
  CK_OBJECT_CLASS cls = CKO_DATA;
  CK_BBOOL is_token = token ? CK_TRUE : CK_FALSE;
  CK_BBOOL is_private = kind == sm2_kind::private_key ? CK_TRUE : CK_FALSE;
  CK_BBOOL yes = CK_TRUE;
  auto value = encode_record(record);
  const auto app = application(kind);
  CK_ATTRIBUTE tmpl[] = {
      {CKA_CLASS, &cls, sizeof cls},
      {CKA_TOKEN, &is_token, sizeof is_token},
      {CKA_PRIVATE, &is_private, sizeof is_private},
      {CKA_MODIFIABLE, &yes, sizeof yes},
      {CKA_APPLICATION, bytes_of(app), app.size()},
      {CKA_LABEL, bytes_of(label), label.size()},
      {CKA_VALUE, value.data(), value.size()},
  };
  CK_OBJECT_HANDLE backing = CK_INVALID_HANDLE;
  const CK_RV rv = api.C_CreateObject(session, tmpl, std::size(tmpl), &backing);
  OPENSSL_cleanse(value.data(), value.size());
  if (rv != CKR_OK) return rv;
  *virtual_handle = virtual_of(backing, kind);
  return CKR_OK;
}

CK_RV sm2_objects::generate_key_pair(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session,
                                     const CK_ATTRIBUTE* pub_tmpl, CK_ULONG pub_count,
                                     const CK_ATTRIBUTE* priv_tmpl, CK_ULONG priv_count,
                                     CK_OBJECT_HANDLE* pub, CK_OBJECT_HANDLE* priv) {
  if (pub == nullptr || priv == nullptr) return CKR_ARGUMENTS_BAD;
  if (!is_sm2_mechanism_key_type(pub_tmpl, pub_count) ||
      !is_sm2_mechanism_key_type(priv_tmpl, priv_count)) {
    return CKR_TEMPLATE_INCONSISTENT;
  }
  // Each half takes its own template's ID and label, or the other's when it has none.
  const auto pick = [&](const CK_ATTRIBUTE* own, CK_ULONG own_n, const CK_ATTRIBUTE* other,
                        CK_ULONG other_n, CK_ATTRIBUTE_TYPE type) {
    auto v = template_bytes(own, own_n, type);
    if (!v) v = template_bytes(other, other_n, type);
    return v.value_or(std::vector<std::uint8_t>{});
  };
  const auto priv_id = pick(priv_tmpl, priv_count, pub_tmpl, pub_count, CKA_ID);
  const auto pub_id = pick(pub_tmpl, pub_count, priv_tmpl, priv_count, CKA_ID);
  const auto priv_label = pick(priv_tmpl, priv_count, pub_tmpl, pub_count, CKA_LABEL);
  const auto pub_label = pick(pub_tmpl, pub_count, priv_tmpl, priv_count, CKA_LABEL);

  auto key = sm2_generate();
  if (!key) return CKR_FUNCTION_FAILED;
  sm2_record priv_record{priv_id, key->point, key->scalar};
  OPENSSL_cleanse(key->scalar.data(), key->scalar.size());
  const CK_RV rv = store(api, session, sm2_kind::private_key, priv_record,
                         {priv_label.begin(), priv_label.end()},
                         template_bool(priv_tmpl, priv_count, CKA_TOKEN).value_or(false), priv);
  OPENSSL_cleanse(priv_record.scalar->data(), priv_record.scalar->size());
  if (rv != CKR_OK) return rv;

  const CK_RV pub_rv = store(api, session, sm2_kind::public_key, {pub_id, key->point, {}},
                             {pub_label.begin(), pub_label.end()},
                             template_bool(pub_tmpl, pub_count, CKA_TOKEN).value_or(false), pub);
  if (pub_rv != CKR_OK) {
    destroy_object(api, session, *priv);
    *priv = CK_INVALID_HANDLE;
  }
  return pub_rv;
}

CK_RV sm2_objects::create_object(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session,
                                 const CK_ATTRIBUTE* tmpl, CK_ULONG count,
                                 CK_OBJECT_HANDLE* object) {
  if (object == nullptr) return CKR_ARGUMENTS_BAD;
  const bool priv = template_ulong(tmpl, count, CKA_CLASS) == CKO_PRIVATE_KEY;
  const auto id = template_bytes(tmpl, count, CKA_ID).value_or(std::vector<std::uint8_t>{});
  const auto label = template_bytes(tmpl, count, CKA_LABEL).value_or(std::vector<std::uint8_t>{});
  const std::string label_text(label.begin(), label.end());
  const bool token = template_bool(tmpl, count, CKA_TOKEN).value_or(false);

  if (!priv) {
    const auto ec_point = template_bytes(tmpl, count, CKA_EC_POINT);
    if (!ec_point) return CKR_TEMPLATE_INCOMPLETE;
    const auto point = point_from(*ec_point);
    if (!point) return CKR_ATTRIBUTE_VALUE_INVALID;
    return store(api, session, sm2_kind::public_key, {id, *point, {}}, label_text, token, object);
  }

  auto value = template_bytes(tmpl, count, CKA_VALUE);
  if (!value) return CKR_TEMPLATE_INCOMPLETE;
  const auto point = sm2_public_from_scalar(*value);
  if (value->size() != 32 || !point) {
    OPENSSL_cleanse(value->data(), value->size());
    return CKR_ATTRIBUTE_VALUE_INVALID;
  }
  sm2_record record{id, *point, sm2_scalar{}};
  std::copy(value->begin(), value->end(), record.scalar->begin());
  OPENSSL_cleanse(value->data(), value->size());
  const CK_RV rv = store(api, session, sm2_kind::private_key, record, label_text, token, object);
  OPENSSL_cleanse(record.scalar->data(), record.scalar->size());
  if (rv != CKR_OK) return rv;
  // Real keys keep the public half beside the private one, readable before login.
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE;
  const CK_RV pub_rv =
      store(api, session, sm2_kind::public_key, {id, *point, {}}, label_text, token, &pub);
  if (pub_rv != CKR_OK) {
    destroy_object(api, session, *object);
    *object = CK_INVALID_HANDLE;
  }
  return pub_rv;
}

CK_RV sm2_objects::destroy_object(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session,
                                  CK_OBJECT_HANDLE object) {
  CK_OBJECT_HANDLE backing = CK_INVALID_HANDLE;
  {
    std::lock_guard lock(mutex_);
    const auto it = by_virtual_.find(object);
    if (it == by_virtual_.end()) return CKR_OBJECT_HANDLE_INVALID;
    backing = it->second.first;
  }
  const CK_RV rv = api.C_DestroyObject(session, backing);
  if (rv == CKR_OK) {
    std::lock_guard lock(mutex_);
    by_virtual_.erase(object);
    by_backing_.erase(backing);
  }
  return rv;
}

CK_RV sm2_objects::read_backing(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session,
                                CK_OBJECT_HANDLE backing, sm2_kind kind, sm2_object& out) {
  std::vector<std::uint8_t> value;
  std::vector<std::uint8_t> label;
  std::vector<std::uint8_t> token;
  if (CK_RV rv = read_attribute(api, session, backing, CKA_VALUE, value); rv != CKR_OK) return rv;
  auto record = decode_record(value);
  OPENSSL_cleanse(value.data(), value.size());
  if (!record || record->scalar.has_value() != (kind == sm2_kind::private_key)) {
    return CKR_GENERAL_ERROR;
  }
  if (CK_RV rv = read_attribute(api, session, backing, CKA_LABEL, label); rv != CKR_OK) return rv;
  if (CK_RV rv = read_attribute(api, session, backing, CKA_TOKEN, token); rv != CKR_OK) return rv;
  out.kind = kind;
  out.backing = backing;
  out.record = std::move(*record);
  out.label.assign(label.begin(), label.end());
  out.token = !token.empty() && token[0] != CK_FALSE;
  return CKR_OK;
}

CK_RV sm2_objects::load(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object,
                        sm2_object& out) {
  std::pair<CK_OBJECT_HANDLE, sm2_kind> entry;
  {
    std::lock_guard lock(mutex_);
    const auto it = by_virtual_.find(object);
    if (it == by_virtual_.end()) return CKR_OBJECT_HANDLE_INVALID;
    entry = it->second;
  }
  return read_backing(api, session, entry.first, entry.second, out);
}

CK_RV sm2_objects::get_attribute_value(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session,
                                       CK_OBJECT_HANDLE object, CK_ATTRIBUTE* tmpl,
                                       CK_ULONG count) {
  sm2_object o;
  if (const CK_RV rv = load(api, session, object, o); rv != CKR_OK) return rv;
  const CK_RV rv = answer(o, attributes_of(o), tmpl, count);
  if (o.record.scalar) OPENSSL_cleanse(o.record.scalar->data(), o.record.scalar->size());
  return rv;
}

CK_RV sm2_objects::set_attribute_value(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session,
                                       CK_OBJECT_HANDLE object, const CK_ATTRIBUTE* tmpl,
                                       CK_ULONG count) {
  if (tmpl == nullptr && count != 0) return CKR_ARGUMENTS_BAD;
  for (CK_ULONG i = 0; i < count; ++i) {
    if (tmpl[i].type != CKA_LABEL) return CKR_ATTRIBUTE_READ_ONLY;
  }
  CK_OBJECT_HANDLE backing = CK_INVALID_HANDLE;
  {
    std::lock_guard lock(mutex_);
    const auto it = by_virtual_.find(object);
    if (it == by_virtual_.end()) return CKR_OBJECT_HANDLE_INVALID;
    backing = it->second.first;
  }
  // Only CKA_LABEL got this far, and the backing object's label is the key's label.
  return api.C_SetAttributeValue(session, backing, const_cast<CK_ATTRIBUTE*>(tmpl), count);
}

CK_RV sm2_objects::enumerate(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session,
                             std::vector<sm2_object>& out) {
  for (const auto kind : {sm2_kind::private_key, sm2_kind::public_key}) {
    CK_OBJECT_CLASS cls = CKO_DATA;
    const auto app = application(kind);
    CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof cls},
                           {CKA_APPLICATION, bytes_of(app), app.size()}};
    std::vector<CK_OBJECT_HANDLE> found;
    if (const CK_RV rv = find_all(api, session, tmpl, std::size(tmpl), found); rv != CKR_OK) {
      return rv;
    }
    for (const auto backing : found) {
      sm2_object o;
      // An unreadable or foreign object under our application name is simply not a key.
      if (read_backing(api, session, backing, kind, o) == CKR_OK) out.push_back(std::move(o));
    }
  }
  return CKR_OK;
}

CK_RV sm2_objects::find_init(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session,
                             const CK_ATTRIBUTE* tmpl, CK_ULONG count) {
  auto* mutable_tmpl = const_cast<CK_ATTRIBUTE*>(tmpl);
  {
    std::lock_guard lock(mutex_);
    searches_.erase(session);
  }
  const auto cls = template_ulong(tmpl, count, CKA_CLASS);
  if (cls && *cls != CKO_DATA && *cls != CKO_PRIVATE_KEY && *cls != CKO_PUBLIC_KEY) {
    return api.C_FindObjectsInit(session, mutable_tmpl, count);
  }
  // The backing objects are found first: the session allows one search at a time, and the
  // caller's search must stay open afterwards.
  std::vector<sm2_object> keys;
  if (const CK_RV rv = enumerate(api, session, keys); rv != CKR_OK) return rv;
  search s;
  for (auto& key : keys) {
    s.backing.insert(key.backing);
    if (matches(attributes_of(key), tmpl, count)) {
      s.virtual_matches.push_back(virtual_of(key.backing, key.kind));
    }
    if (key.record.scalar) OPENSSL_cleanse(key.record.scalar->data(), key.record.scalar->size());
  }
  if (const CK_RV rv = api.C_FindObjectsInit(session, mutable_tmpl, count); rv != CKR_OK) {
    return rv;
  }
  std::lock_guard lock(mutex_);
  searches_[session] = std::move(s);
  return CKR_OK;
}

CK_RV sm2_objects::find(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_OBJECT_HANDLE* out,
                        CK_ULONG max, CK_ULONG* count) {
  std::unique_lock lock(mutex_);
  const auto it = searches_.find(session);
  if (it == searches_.end()) {
    lock.unlock();
    return api.C_FindObjects(session, out, max, count);
  }
  if (out == nullptr || count == nullptr) return CKR_ARGUMENTS_BAD;
  CK_ULONG got = 0;
  auto& pending = it->second.virtual_matches;
  while (got < max && !pending.empty()) {
    out[got++] = pending.front();
    pending.erase(pending.begin());
  }
  const auto backing = it->second.backing;
  lock.unlock();

  // Leaving out backing objects may empty a batch while more remain; an empty answer would
  // end the caller's search, so ask again until the batch has something or the target is done.
  while (got < max) {
    CK_ULONG n = 0;
    if (const CK_RV rv = api.C_FindObjects(session, out + got, max - got, &n); rv != CKR_OK) {
      return rv;
    }
    if (n == 0) break;
    const auto end = std::remove_if(out + got, out + got + n,
                                    [&](CK_OBJECT_HANDLE h) { return backing.count(h) != 0; });
    got = static_cast<CK_ULONG>(end - out);
    if (got > 0) break;
  }
  *count = got;
  return CKR_OK;
}

CK_RV sm2_objects::find_final(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session) {
  {
    std::lock_guard lock(mutex_);
    searches_.erase(session);
  }
  return api.C_FindObjectsFinal(session);
}

void sm2_objects::forget_session(CK_SESSION_HANDLE session) {
  std::lock_guard lock(mutex_);
  searches_.erase(session);
}

void sm2_objects::reset() {
  std::lock_guard lock(mutex_);
  searches_.clear();
  // The target numbers its objects afresh after C_Initialize. next_virtual_ keeps counting,
  // so a handle from before never names a different key now.
  by_virtual_.clear();
  by_backing_.clear();
}

}  // namespace sealbridge::testmodule
