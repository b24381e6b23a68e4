#include "pkcs11/rv.hpp"

#include <catch2/catch.hpp>

using sealbridge::errc;
using namespace sealbridge::pkcs11;

TEST_CASE("rv_name gives the standard name, or a class for unknown codes", "[pkcs11][rv]") {
  CHECK(rv_name(CKR_OK) == "CKR_OK");
  CHECK(rv_name(CKR_PIN_INCORRECT) == "CKR_PIN_INCORRECT");
  CHECK(rv_name(CKR_DEVICE_REMOVED) == "CKR_DEVICE_REMOVED");
  CHECK(rv_name(CKR_FUNCTION_REJECTED) == "CKR_FUNCTION_REJECTED");
  CHECK(rv_name(CKR_VENDOR_DEFINED + 7) == "CKR_VENDOR_DEFINED");
  CHECK(rv_name(0x4242) == "CKR_UNKNOWN");
}

TEST_CASE("map_rv sorts return values by what the user must do", "[pkcs11][rv]") {
  CHECK(map_rv(CKR_PIN_INCORRECT) == errc::pin_incorrect);
  CHECK(map_rv(CKR_PIN_LOCKED) == errc::pin_locked);
  CHECK(map_rv(CKR_PIN_LEN_RANGE) == errc::pin_length);
  CHECK(map_rv(CKR_PIN_INVALID) == errc::pin_length);
  CHECK(map_rv(CKR_USER_NOT_LOGGED_IN) == errc::pin_required);
  for (CK_RV rv : {CKR_DEVICE_REMOVED, CKR_TOKEN_NOT_PRESENT, CKR_SESSION_HANDLE_INVALID,
                   CKR_SESSION_CLOSED, CKR_SLOT_ID_INVALID}) {
    INFO(rv_name(rv));
    CHECK(map_rv(rv) == errc::token_removed);
  }
  CHECK(map_rv(CKR_DEVICE_ERROR) == errc::pkcs11_error);
  CHECK(map_rv(CKR_FUNCTION_CANCELED) == errc::cancelled);
  CHECK(map_rv(CKR_FUNCTION_REJECTED) == errc::cancelled);
  CHECK(map_rv(CKR_FUNCTION_NOT_SUPPORTED) == errc::not_supported);
  CHECK(map_rv(CKR_MECHANISM_INVALID) == errc::not_supported);
  CHECK(map_rv(CKR_SESSION_COUNT) == errc::busy);
  CHECK(map_rv(CKR_OBJECT_HANDLE_INVALID) == errc::object_not_found);
  CHECK(map_rv(CKR_GENERAL_ERROR) == errc::pkcs11_error);
  CHECK(map_rv(CKR_VENDOR_DEFINED + 1) == errc::pkcs11_error);
}

TEST_CASE("check throws an error naming the function and the return value", "[pkcs11][rv]") {
  CHECK_NOTHROW(check(CKR_OK, "C_Login"));
  try {
    check(CKR_PIN_INCORRECT, "C_Login");
    FAIL("no exception");
  } catch (const sealbridge::error& e) {
    CHECK(e.code() == errc::pin_incorrect);
    CHECK(e.detail() == "C_Login: CKR_PIN_INCORRECT");
    CHECK_FALSE(e.tries_left.has_value());
  }
  try {
    check(CKR_VENDOR_DEFINED + 0x10, "C_Sign");
    FAIL("no exception");
  } catch (const sealbridge::error& e) {
    CHECK(e.code() == errc::pkcs11_error);
    CHECK(e.detail() == "C_Sign: CKR_VENDOR_DEFINED (0x80000010)");
  }
}
