#include "tests/testmodule/sm2_attributes.hpp"

#include <algorithm>
#include <cstring>

#include "tests/testmodule/sm2_mechanisms.hpp"
#include "tests/testmodule/sm2_objects.hpp"

namespace sealbridge::testmodule {
namespace {

std::vector<std::uint8_t> ulong_bytes(CK_ULONG v) {
  std::vector<std::uint8_t> out(sizeof v);
  std::memcpy(out.data(), &v, sizeof v);
  return out;
}

std::vector<std::uint8_t> bool_bytes(bool v) {
  return {static_cast<std::uint8_t>(v ? CK_TRUE : CK_FALSE)};
}

const CK_ATTRIBUTE* find_attribute(const CK_ATTRIBUTE* tmpl, CK_ULONG count,
                                   CK_ATTRIBUTE_TYPE type) {
  if (tmpl == nullptr) return nullptr;
  for (CK_ULONG i = 0; i < count; ++i) {
    if (tmpl[i].type == type) return &tmpl[i];
  }
  return nullptr;
}

}  // namespace

attribute_list attributes_of(const sm2_object& object) {
  const bool priv = object.kind == sm2_kind::private_key;
  std::vector<std::uint8_t> ec_point = {0x04,
                                        static_cast<std::uint8_t>(object.record.point.size())};
  ec_point.insert(ec_point.end(), object.record.point.begin(), object.record.point.end());

  attribute_list a = {
      {CKA_CLASS, ulong_bytes(priv ? CKO_PRIVATE_KEY : CKO_PUBLIC_KEY)},
      {CKA_KEY_TYPE, ulong_bytes(ckk_vendor_sm2)},
      {CKA_ID, object.record.id},
      {CKA_LABEL, {object.label.begin(), object.label.end()}},
      {CKA_TOKEN, bool_bytes(object.token)},
      {CKA_PRIVATE, bool_bytes(priv)},
      {CKA_MODIFIABLE, bool_bytes(true)},
      {CKA_DERIVE, bool_bytes(false)},
      {CKA_EC_PARAMS, {sm2_ec_params.begin(), sm2_ec_params.end()}},
      // Many UKeys show the point on the private key too; applications pair keys by it.
      {CKA_EC_POINT, ec_point},
  };
  if (priv) {
    a.insert(a.end(), {{CKA_SIGN, bool_bytes(true)},
                       {CKA_SIGN_RECOVER, bool_bytes(false)},
                       {CKA_DECRYPT, bool_bytes(false)},
                       {CKA_UNWRAP, bool_bytes(false)},
                       {CKA_SENSITIVE, bool_bytes(true)},
                       {CKA_ALWAYS_SENSITIVE, bool_bytes(true)},
                       {CKA_EXTRACTABLE, bool_bytes(false)},
                       {CKA_NEVER_EXTRACTABLE, bool_bytes(true)}});
  } else {
    a.insert(a.end(), {{CKA_VERIFY, bool_bytes(true)},
                       {CKA_VERIFY_RECOVER, bool_bytes(false)},
                       {CKA_ENCRYPT, bool_bytes(false)},
                       {CKA_WRAP, bool_bytes(false)}});
  }
  return a;
}

bool matches(const attribute_list& attrs, const CK_ATTRIBUTE* tmpl, CK_ULONG count) {
  for (CK_ULONG i = 0; i < count; ++i) {
    const auto it = std::find_if(attrs.begin(), attrs.end(),
                                 [&](const auto& a) { return a.first == tmpl[i].type; });
    if (it == attrs.end() || it->second.size() != tmpl[i].ulValueLen) return false;
    if (!it->second.empty() &&
        (tmpl[i].pValue == nullptr ||
         std::memcmp(it->second.data(), tmpl[i].pValue, it->second.size()) != 0)) {
      return false;
    }
  }
  return true;
}

CK_RV answer(const sm2_object& object, const attribute_list& attrs, CK_ATTRIBUTE* tmpl,
             CK_ULONG count) {
  if (tmpl == nullptr && count != 0) return CKR_ARGUMENTS_BAD;
  // Every attribute is answered even after a failure; the last failure is the call's result.
  CK_RV rv = CKR_OK;
  for (CK_ULONG i = 0; i < count; ++i) {
    CK_ATTRIBUTE& t = tmpl[i];
    if (t.type == CKA_VALUE && object.kind == sm2_kind::private_key) {
      t.ulValueLen = CK_UNAVAILABLE_INFORMATION;
      rv = CKR_ATTRIBUTE_SENSITIVE;
      continue;
    }
    const auto it =
        std::find_if(attrs.begin(), attrs.end(), [&](const auto& a) { return a.first == t.type; });
    if (it == attrs.end()) {
      t.ulValueLen = CK_UNAVAILABLE_INFORMATION;
      rv = CKR_ATTRIBUTE_TYPE_INVALID;
      continue;
    }
    const auto size = static_cast<CK_ULONG>(it->second.size());
    if (t.pValue == nullptr) {
      t.ulValueLen = size;
    } else if (t.ulValueLen < size) {
      t.ulValueLen = CK_UNAVAILABLE_INFORMATION;
      rv = CKR_BUFFER_TOO_SMALL;
    } else {
      std::copy(it->second.begin(), it->second.end(), static_cast<std::uint8_t*>(t.pValue));
      t.ulValueLen = size;
    }
  }
  return rv;
}

std::optional<std::vector<std::uint8_t>> template_bytes(const CK_ATTRIBUTE* tmpl, CK_ULONG count,
                                                        CK_ATTRIBUTE_TYPE type) {
  const CK_ATTRIBUTE* a = find_attribute(tmpl, count, type);
  if (a == nullptr) return std::nullopt;
  if (a->pValue == nullptr || a->ulValueLen == 0) return std::vector<std::uint8_t>{};
  const auto* p = static_cast<const std::uint8_t*>(a->pValue);
  return std::vector<std::uint8_t>(p, p + a->ulValueLen);
}

std::optional<CK_ULONG> template_ulong(const CK_ATTRIBUTE* tmpl, CK_ULONG count,
                                       CK_ATTRIBUTE_TYPE type) {
  const CK_ATTRIBUTE* a = find_attribute(tmpl, count, type);
  if (a == nullptr || a->pValue == nullptr || a->ulValueLen != sizeof(CK_ULONG)) {
    return std::nullopt;
  }
  CK_ULONG v = 0;
  std::memcpy(&v, a->pValue, sizeof v);
  return v;
}

std::optional<bool> template_bool(const CK_ATTRIBUTE* tmpl, CK_ULONG count,
                                  CK_ATTRIBUTE_TYPE type) {
  const CK_ATTRIBUTE* a = find_attribute(tmpl, count, type);
  if (a == nullptr || a->pValue == nullptr || a->ulValueLen != sizeof(CK_BBOOL)) {
    return std::nullopt;
  }
  return *static_cast<const CK_BBOOL*>(a->pValue) != CK_FALSE;
}

}  // namespace sealbridge::testmodule
