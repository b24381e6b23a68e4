#pragma once

#include <p11-kit/pkcs11.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/secret.hpp"

namespace sealbridge::pkcs11 {

class module;

// A PKCS#11 session: move-only, logged out (if it logged in) and closed on destruction.
//
// Login state in PKCS#11 belongs to the application and token, not to one session: logging in
// here logs in every session of this process on the slot, and the destructor's C_Logout logs
// them all out. The service layer keeps one worker per token, so that is the unit it manages.
//
// A session is used by one thread at a time (PKCS#11 forbids concurrent operations on one
// session); several sessions may be used concurrently.
class session {
 public:
  // C_OpenSession with CKF_SERIAL_SESSION, plus CKF_RW_SESSION when read_write.
  session(std::shared_ptr<const module> m, CK_SLOT_ID slot, bool read_write);
  ~session();
  session(session&& other) noexcept;
  session& operator=(session&& other) noexcept;
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  CK_SESSION_HANDLE handle() const { return handle_; }
  const module& owner() const { return *module_; }
  CK_SLOT_ID slot() const { return slot_; }

  // CKR_USER_ALREADY_LOGGED_IN counts as success (and then this session will not log out).
  // PIN errors surface as pin_incorrect / pin_locked / pin_length; tries_left is not set here
  // because only the token flags know it.
  void login(CK_USER_TYPE user, const sealbridge::secret& pin);
  // For keys with a protected authentication path (CKF_PROTECTED_AUTHENTICATION_PATH): the
  // PIN is entered on the device or the driver's own dialog, so C_Login gets none.
  void login_protected(CK_USER_TYPE user);
  // CKR_USER_NOT_LOGGED_IN counts as success.
  void logout();
  // Whether the user is logged in on the token, by this session or another of this process
  // (C_GetSessionInfo): only then are private objects visible.
  bool user_logged_in() const;

  std::vector<CK_OBJECT_HANDLE> find(std::span<const CK_ATTRIBUTE> tmpl) const;

  // Two-call reads. nullopt when the object has no such attribute, it is sensitive, or the
  // driver reports its length as CK_UNAVAILABLE_INFORMATION. An empty value is not nullopt.
  std::optional<std::vector<std::uint8_t>> attribute(CK_OBJECT_HANDLE obj,
                                                     CK_ATTRIBUTE_TYPE type) const;
  // Several attributes of one object in two calls instead of two each: on a USB key every call
  // is a round trip to the device. Each value as attribute() would give it, in the order asked;
  // a driver that mishandles several at once is read one by one instead.
  std::vector<std::optional<std::vector<std::uint8_t>>> attributes(
      CK_OBJECT_HANDLE obj, std::span<const CK_ATTRIBUTE_TYPE> types) const;
  // The bytes as the key holds them (for writing a label back unchanged).
  std::optional<std::string> attribute_string(CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type) const;
  // Text for people: CK_UTF8CHAR by the standard, often GBK on Chinese keys; always valid
  // UTF-8 here (core/text.hpp).
  std::optional<std::string> attribute_text(CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type) const;
  // These two throw pkcs11_error when the value has the wrong size for its type.
  std::optional<CK_ULONG> attribute_ulong(CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type) const;
  std::optional<bool> attribute_bool(CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type) const;

  CK_OBJECT_HANDLE create_object(std::span<CK_ATTRIBUTE> tmpl);
  void destroy_object(CK_OBJECT_HANDLE obj);

  // C_GenerateKeyPair: {public key, private key}.
  std::pair<CK_OBJECT_HANDLE, CK_OBJECT_HANDLE> generate_key_pair(
      const CK_MECHANISM& mech, std::span<CK_ATTRIBUTE> public_template,
      std::span<CK_ATTRIBUTE> private_template);

  // C_SignInit + single-part C_Sign, asking the driver for the signature length first.
  std::vector<std::uint8_t> sign(const CK_MECHANISM& mech, CK_OBJECT_HANDLE key,
                                 std::span<const std::uint8_t> data);

 private:
  void close() noexcept;

  std::shared_ptr<const module> module_;
  CK_SLOT_ID slot_ = 0;
  CK_SESSION_HANDLE handle_ = CK_INVALID_HANDLE;
  bool logged_in_ = false;
};

}  // namespace sealbridge::pkcs11
