#include "pkcs11/session.hpp"

#include <catch2/catch.hpp>
#include <utility>

#include "core/error.hpp"
#include "core/secret.hpp"
#include "pkcs11/module.hpp"
#include "pkcs11/rv.hpp"
#include "tests/unit/pkcs11/softhsm_fixture.hpp"

using sealbridge::errc;
using sealbridge::secret;
using sealbridge::test::slot_of;
using sealbridge::test::softhsm_fixture;
using namespace sealbridge::pkcs11;

namespace {

bool session_alive(const module& m, CK_SESSION_HANDLE h) {
  CK_SESSION_INFO info{};
  return m.api().C_GetSessionInfo(h, &info) == CKR_OK;
}

CK_STATE session_state(const session& s) {
  CK_SESSION_INFO info{};
  check(s.owner().api().C_GetSessionInfo(s.handle(), &info), "C_GetSessionInfo");
  return info.state;
}

}  // namespace

TEST_CASE("session opens, moves and closes with its owner", "[pkcs11][session]") {
  softhsm_fixture hsm;
  hsm.init_token("alpha");
  auto m = module::load(softhsm_fixture::module_path);
  const auto slot = slot_of(*m, "alpha");

  CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
  {
    session s(m, slot, false);
    h = s.handle();
    CHECK(h != CK_INVALID_HANDLE);
    CHECK(s.slot() == slot);
    CHECK(&s.owner() == m.get());
    CHECK(session_state(s) == CKS_RO_PUBLIC_SESSION);

    session moved(std::move(s));
    CHECK(moved.handle() == h);
    CHECK(s.handle() == CK_INVALID_HANDLE);  // NOLINT(bugprone-use-after-move): documented state
    CHECK(session_alive(*m, h));

    session rw(m, slot, true);
    CHECK(session_state(rw) == CKS_RW_PUBLIC_SESSION);
    const auto rw_handle = rw.handle();
    rw = std::move(moved);  // closes the read-write session
    CHECK_FALSE(session_alive(*m, rw_handle));
    CHECK(session_alive(*m, h));
  }
  CHECK_FALSE(session_alive(*m, h));
}

TEST_CASE("login maps PIN errors and logs out on destruction", "[pkcs11][session]") {
  softhsm_fixture hsm;
  hsm.init_token("alpha");
  auto m = module::load(softhsm_fixture::module_path);
  const auto slot = slot_of(*m, "alpha");

  {
    session s(m, slot, false);
    try {
      s.login(CKU_USER, secret("000000"));
      FAIL("wrong PIN accepted");
    } catch (const sealbridge::error& e) {
      CHECK(e.code() == errc::pin_incorrect);
      CHECK(e.detail() == "C_Login: CKR_PIN_INCORRECT");
    }
    try {
      s.login(CKU_USER, secret("12"));
      FAIL("short PIN accepted");
    } catch (const sealbridge::error& e) {
      // SoftHSM answers a too-short PIN with CKR_PIN_INCORRECT; drivers that check length first
      // answer CKR_PIN_LEN_RANGE.
      CHECK((e.code() == errc::pin_incorrect || e.code() == errc::pin_length));
    }
    s.login(CKU_USER, secret(softhsm_fixture::user_pin));
    CHECK(session_state(s) == CKS_RO_USER_FUNCTIONS);

    // Login is per application: a second session is logged in already and says so.
    session second(m, slot, false);
    CHECK(session_state(second) == CKS_RO_USER_FUNCTIONS);
    CHECK_NOTHROW(second.login(CKU_USER, secret(softhsm_fixture::user_pin)));
  }
  // Both sessions gone, and the first one logged out: a new session starts public.
  session fresh(m, slot, false);
  CHECK(session_state(fresh) == CKS_RO_PUBLIC_SESSION);
  fresh.login(CKU_USER, secret(softhsm_fixture::user_pin));
  fresh.logout();
  CHECK(session_state(fresh) == CKS_RO_PUBLIC_SESSION);
  CHECK_NOTHROW(fresh.logout());
}
