#include "pkcs11/session.hpp"

#include <cstring>
#include <utility>

#include "core/error.hpp"
#include "core/text.hpp"
#include "pkcs11/module.hpp"
#include "pkcs11/object_search.hpp"
#include "pkcs11/rv.hpp"

namespace sealbridge::pkcs11 {

session::session(std::shared_ptr<const module> m, CK_SLOT_ID slot, bool read_write)
    : module_(std::move(m)), slot_(slot) {
  CK_FLAGS flags = CKF_SERIAL_SESSION;
  if (read_write) flags |= CKF_RW_SESSION;
  check(module_->api().C_OpenSession(slot, flags, nullptr, nullptr, &handle_), "C_OpenSession");
}

session::~session() {
  close();
}

session::session(session&& other) noexcept
    : module_(std::move(other.module_)),
      slot_(other.slot_),
      handle_(std::exchange(other.handle_, CK_INVALID_HANDLE)),
      logged_in_(std::exchange(other.logged_in_, false)) {}

session& session::operator=(session&& other) noexcept {
  if (this != &other) {
    close();
    module_ = std::move(other.module_);
    slot_ = other.slot_;
    handle_ = std::exchange(other.handle_, CK_INVALID_HANDLE);
    logged_in_ = std::exchange(other.logged_in_, false);
  }
  return *this;
}

void session::close() noexcept {
  if (handle_ == CK_INVALID_HANDLE || !module_) return;
  // Failures are ignored on purpose: after an unplug both calls fail, and there is nothing
  // left to release.
  if (logged_in_) module_->api().C_Logout(handle_);
  module_->api().C_CloseSession(handle_);
  handle_ = CK_INVALID_HANDLE;
  logged_in_ = false;
}

void session::login(CK_USER_TYPE user, const sealbridge::secret& pin) {
  const auto text = pin.reveal();
  // The driver only reads the PIN; the C signature predates const.
  auto* bytes = reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>(text.data()));
  const CK_RV rv = module_->api().C_Login(handle_, user, bytes, static_cast<CK_ULONG>(text.size()));
  if (rv == CKR_USER_ALREADY_LOGGED_IN) return;
  check(rv, "C_Login");
  logged_in_ = true;
}

void session::login_protected(CK_USER_TYPE user) {
  const CK_RV rv = module_->api().C_Login(handle_, user, nullptr, 0);
  if (rv == CKR_USER_ALREADY_LOGGED_IN) return;
  check(rv, "C_Login");
  logged_in_ = true;
}

void session::logout() {
  const CK_RV rv = module_->api().C_Logout(handle_);
  logged_in_ = false;
  if (rv == CKR_USER_NOT_LOGGED_IN) return;
  check(rv, "C_Logout");
}

bool session::user_logged_in() const {
  CK_SESSION_INFO info{};
  check(module_->api().C_GetSessionInfo(handle_, &info), "C_GetSessionInfo");
  return info.state == CKS_RO_USER_FUNCTIONS || info.state == CKS_RW_USER_FUNCTIONS;
}

std::vector<CK_OBJECT_HANDLE> session::find(std::span<const CK_ATTRIBUTE> tmpl) const {
  object_search search(*this, tmpl);
  return search.all();
}

std::optional<std::vector<std::uint8_t>> session::attribute(CK_OBJECT_HANDLE obj,
                                                            CK_ATTRIBUTE_TYPE type) const {
  const auto& api = module_->api();
  CK_ATTRIBUTE attr{type, nullptr, 0};
  CK_RV rv = api.C_GetAttributeValue(handle_, obj, &attr, 1);
  if (rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_SENSITIVE) return std::nullopt;
  check(rv, "C_GetAttributeValue");
  if (attr.ulValueLen == CK_UNAVAILABLE_INFORMATION) return std::nullopt;
  std::vector<std::uint8_t> value(attr.ulValueLen);
  if (value.empty()) return value;
  attr.pValue = value.data();
  rv = api.C_GetAttributeValue(handle_, obj, &attr, 1);
  if (rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_SENSITIVE) return std::nullopt;
  check(rv, "C_GetAttributeValue");
  if (attr.ulValueLen == CK_UNAVAILABLE_INFORMATION) return std::nullopt;
  // Some drivers report an upper bound first and the exact length on the second call.
  value.resize(attr.ulValueLen);
  return value;
}

std::vector<std::optional<std::vector<std::uint8_t>>> session::attributes(
    CK_OBJECT_HANDLE obj, std::span<const CK_ATTRIBUTE_TYPE> types) const {
  const auto& api = module_->api();
  const auto one_by_one = [&] {
    std::vector<std::optional<std::vector<std::uint8_t>>> out;
    for (const auto type : types) out.push_back(attribute(obj, type));
    return out;
  };
  if (types.size() < 2) return one_by_one();

  // First the lengths. The standard has the driver fill in every length it can and mark the
  // others unavailable, returning SENSITIVE or TYPE_INVALID when there were any.
  std::vector<CK_ATTRIBUTE> tmpl;
  for (const auto type : types) tmpl.push_back({type, nullptr, 0});
  CK_RV rv = api.C_GetAttributeValue(handle_, obj, tmpl.data(), static_cast<CK_ULONG>(tmpl.size()));
  if (rv != CKR_OK && rv != CKR_ATTRIBUTE_TYPE_INVALID && rv != CKR_ATTRIBUTE_SENSITIVE)
    check(rv, "C_GetAttributeValue");
  if (rv != CKR_OK) return one_by_one();  // which ones failed: not every driver marks them

  std::vector<std::optional<std::vector<std::uint8_t>>> out(types.size());
  std::vector<CK_ATTRIBUTE> with_values;
  std::vector<std::size_t> index_of;
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i].ulValueLen == CK_UNAVAILABLE_INFORMATION) continue;
    out[i].emplace(tmpl[i].ulValueLen);
    if (out[i]->empty()) continue;
    with_values.push_back({types[i], out[i]->data(), tmpl[i].ulValueLen});
    index_of.push_back(i);
  }
  if (with_values.empty()) return out;
  rv = api.C_GetAttributeValue(handle_, obj, with_values.data(),
                               static_cast<CK_ULONG>(with_values.size()));
  if (rv != CKR_OK) return one_by_one();  // changed in between, or a driver's quirk
  for (std::size_t k = 0; k < with_values.size(); ++k) {
    auto& value = out[index_of[k]];
    if (with_values[k].ulValueLen == CK_UNAVAILABLE_INFORMATION ||
        with_values[k].ulValueLen > value->size())
      return one_by_one();
    // Some drivers report an upper bound first and the exact length on the second call.
    value->resize(with_values[k].ulValueLen);
  }
  return out;
}

std::optional<std::string> session::attribute_string(CK_OBJECT_HANDLE obj,
                                                     CK_ATTRIBUTE_TYPE type) const {
  auto value = attribute(obj, type);
  if (!value) return std::nullopt;
  return std::string(value->begin(), value->end());
}

std::optional<std::string> session::attribute_text(CK_OBJECT_HANDLE obj,
                                                   CK_ATTRIBUTE_TYPE type) const {
  auto value = attribute(obj, type);
  if (!value) return std::nullopt;
  return to_utf8_lenient(byte_view(*value));
}

std::optional<CK_ULONG> session::attribute_ulong(CK_OBJECT_HANDLE obj,
                                                 CK_ATTRIBUTE_TYPE type) const {
  auto value = attribute(obj, type);
  if (!value) return std::nullopt;
  if (value->size() != sizeof(CK_ULONG)) {
    throw error(errc::pkcs11_error, "C_GetAttributeValue: CK_ULONG attribute of wrong size");
  }
  CK_ULONG out = 0;
  std::memcpy(&out, value->data(), sizeof out);
  return out;
}

std::optional<bool> session::attribute_bool(CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type) const {
  auto value = attribute(obj, type);
  if (!value) return std::nullopt;
  if (value->size() != sizeof(CK_BBOOL)) {
    throw error(errc::pkcs11_error, "C_GetAttributeValue: CK_BBOOL attribute of wrong size");
  }
  return (*value)[0] != CK_FALSE;
}

CK_OBJECT_HANDLE session::create_object(std::span<CK_ATTRIBUTE> tmpl) {
  CK_OBJECT_HANDLE obj = CK_INVALID_HANDLE;
  check(
      module_->api().C_CreateObject(handle_, tmpl.data(), static_cast<CK_ULONG>(tmpl.size()), &obj),
      "C_CreateObject");
  return obj;
}

void session::destroy_object(CK_OBJECT_HANDLE obj) {
  check(module_->api().C_DestroyObject(handle_, obj), "C_DestroyObject");
}

std::pair<CK_OBJECT_HANDLE, CK_OBJECT_HANDLE> session::generate_key_pair(
    const CK_MECHANISM& mech, std::span<CK_ATTRIBUTE> public_template,
    std::span<CK_ATTRIBUTE> private_template) {
  CK_OBJECT_HANDLE public_key = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE private_key = CK_INVALID_HANDLE;
  // The mechanism is only read by the driver; the C signature predates const.
  check(module_->api().C_GenerateKeyPair(
            handle_, const_cast<CK_MECHANISM*>(&mech), public_template.data(),
            static_cast<CK_ULONG>(public_template.size()), private_template.data(),
            static_cast<CK_ULONG>(private_template.size()), &public_key, &private_key),
        "C_GenerateKeyPair");
  return {public_key, private_key};
}

std::vector<std::uint8_t> session::sign(const CK_MECHANISM& mech, CK_OBJECT_HANDLE key,
                                        std::span<const std::uint8_t> data) {
  const auto& api = module_->api();
  // Both are only read by the driver; the C signatures predate const.
  check(api.C_SignInit(handle_, const_cast<CK_MECHANISM*>(&mech), key), "C_SignInit");
  auto* input = const_cast<std::uint8_t*>(data.data());
  const auto input_len = static_cast<CK_ULONG>(data.size());
  // One call with room for any signature we make (RSA-4096 is 512 bytes) instead of a length
  // query first: on a USB key every call is a round trip. CKR_BUFFER_TOO_SMALL leaves the
  // operation active and says the length, so the loop asks again; any other failure ends the
  // operation inside the driver.
  CK_ULONG len = 512;
  std::vector<std::uint8_t> signature;
  for (;;) {
    signature.resize(len);
    const CK_RV rv = api.C_Sign(handle_, input, input_len, signature.data(), &len);
    if (rv == CKR_BUFFER_TOO_SMALL) continue;
    check(rv, "C_Sign");
    signature.resize(len);
    return signature;
  }
}

}  // namespace sealbridge::pkcs11
