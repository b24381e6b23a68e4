#include <stdlib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.hpp"
#include "core/secret.hpp"
#include "pkcs11/module.hpp"
#include "pkcs11/objects.hpp"
#include "pkcs11/session.hpp"
#include "tests/unit/pkcs11/softhsm_fixture.hpp"

using sealbridge::errc;
using sealbridge::secret;
using sealbridge::test::slot_of;
using sealbridge::test::softhsm_fixture;
using namespace sealbridge::pkcs11;

namespace {

// Runs `body` and returns the code of the sealbridge::error it throws.
template <typename F>
errc error_of(F&& body) {
  try {
    body();
  } catch (const sealbridge::error& e) {
    return e.code();
  }
  FAIL("no sealbridge::error thrown");
  return errc::internal;
}

struct test_module {
  softhsm_fixture hsm;
  std::filesystem::path control;
  std::shared_ptr<module> m;

  test_module() {
    hsm.init_token("alpha");
    hsm.init_token("beta");
    hsm.import_credential("alpha", "signer", "01");
    control = hsm.dir() / "control";
    std::filesystem::create_directory(control);
    setenv("SEALBRIDGE_TESTMODULE_TARGET", softhsm_fixture::module_path, 1);
    setenv("SEALBRIDGE_TESTMODULE_CONTROL", control.c_str(), 1);
    m = module::load(SBTEST_MODULE_PATH);
  }
  ~test_module() {
    m.reset();
    unsetenv("SEALBRIDGE_TESTMODULE_CONTROL");
  }

  // Written to a temporary name and renamed, as the demo scripts do, so the module never
  // reads half a file.
  void hide(const std::string& serials) {
    const auto tmp = control / "hidden.tmp";
    std::ofstream(tmp) << serials;
    std::filesystem::rename(tmp, control / "hidden");
  }
};

bool contains(const std::vector<CK_SLOT_ID>& slots, CK_SLOT_ID slot) {
  return std::find(slots.begin(), slots.end(), slot) != slots.end();
}

}  // namespace

TEST_CASE("test module forwards to SoftHSM", "[pkcs11][testmodule]") {
  test_module t;
  CHECK(t.m->info().manufacturer == "SoftHSM");
  CHECK(t.m->slots(true).size() == 3);
  session s(t.m, slot_of(*t.m, "alpha"), false);
  s.login(CKU_USER, secret(softhsm_fixture::user_pin));
  CHECK(find_certificates(s).size() == 1);
  CHECK(error_of([&] { t.m->poll_slot_event(); }) == errc::not_supported);
}

TEST_CASE("test module unplugs and replugs a token through its control file",
          "[pkcs11][testmodule]") {
  test_module t;
  const auto alpha = slot_of(*t.m, "alpha");
  const auto beta = slot_of(*t.m, "beta");
  const auto serial = t.m->token(alpha).serial;

  session before(t.m, alpha, false);
  before.login(CKU_USER, secret(softhsm_fixture::user_pin));
  REQUIRE(find_certificates(before).size() == 1);
  session other(t.m, beta, false);

  t.hide(serial + "\n");
  // The module notices on its next call, like a driver noticing an unplug.
  REQUIRE_FALSE(t.m->token_present(alpha));

  SECTION("the token is gone from the slot list and its slot") {
    CHECK_FALSE(contains(t.m->slots(true), alpha));
    CHECK(contains(t.m->slots(true), beta));
    CHECK(contains(t.m->slots(false), alpha));  // the reader stays
    CHECK_FALSE(t.m->token_present(alpha));
    CHECK(t.m->token_present(beta));
    CHECK(error_of([&] { t.m->token(alpha); }) == errc::token_removed);
    CHECK(error_of([&] { session s(t.m, alpha, false); }) == errc::token_removed);
  }

  SECTION("sessions on it die, others live") {
    CHECK(error_of([&] { find_certificates(before); }) == errc::token_removed);
    CHECK_NOTHROW(find_certificates(other));
  }

  SECTION("after replug the token is back but old sessions stay dead") {
    t.hide("");
    CHECK(contains(t.m->slots(true), alpha));
    CHECK(t.m->token_present(alpha));
    CHECK(t.m->token(alpha).serial == serial);
    CHECK(error_of([&] { find_certificates(before); }) == errc::token_removed);

    session after(t.m, alpha, false);
    // The unplug ended the login too.
    CHECK(find_certificates(after).size() == 1);
    CHECK_FALSE(has_private_key(after, std::vector<std::uint8_t>{0x01}));
    after.login(CKU_USER, secret(softhsm_fixture::user_pin));
    CHECK(has_private_key(after, std::vector<std::uint8_t>{0x01}));
  }
}
