#include "pkcs11/module.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "core/error.hpp"
#include "tests/unit/pkcs11/softhsm_fixture.hpp"

using sealbridge::errc;
using sealbridge::test::softhsm_fixture;
using namespace sealbridge::pkcs11;

namespace {

sealbridge::error load_error(const std::filesystem::path& path) {
  try {
    module::load(path);
  } catch (const sealbridge::error& e) {
    return e;
  }
  FAIL("module::load succeeded for " << path);
  return sealbridge::error(errc::internal);
}

}  // namespace

TEST_CASE("loading something that is not a PKCS#11 module fails cleanly", "[pkcs11][module]") {
  softhsm_fixture hsm;
  auto missing = load_error(hsm.dir() / "no-such-driver.so");
  CHECK(missing.code() == errc::module_load_failed);
  CHECK(missing.detail().rfind("dlopen: ", 0) == 0);

  // A real shared library without the PKCS#11 entry point.
  auto not_pkcs11 = load_error("libdl.so.2");
  CHECK(not_pkcs11.code() == errc::module_load_failed);
  CHECK(not_pkcs11.detail().find("C_GetFunctionList") != std::string::npos);
}

TEST_CASE("module reports library, slots, tokens and mechanisms", "[pkcs11][module]") {
  softhsm_fixture hsm;
  hsm.init_token("alpha");
  hsm.init_token("beta");
  auto m = module::load(softhsm_fixture::module_path);

  SECTION("one module object per path while it is held") {
    CHECK(module::load(softhsm_fixture::module_path) == m);
    CHECK(m->path().is_absolute());
  }

  SECTION("library info") {
    const auto info = m->info();
    CHECK(info.manufacturer == "SoftHSM");
    CHECK(info.cryptoki_version == "2.40");
    CHECK(info.library_version.rfind("2.", 0) == 0);
  }

  SECTION("tokens, flags and trimmed fields") {
    const auto slots = m->slots(true);
    // SoftHSM always adds one free slot with an uninitialized token.
    REQUIRE(slots.size() == 3);
    CHECK(m->slots(false).size() == 3);
    std::vector<std::string> labels;
    for (const auto slot : slots) {
      CHECK(m->token_present(slot));
      const auto t = m->token(slot);
      CHECK(t.slot == slot);
      if (!t.flags.token_initialized) continue;
      labels.push_back(t.label);
      CHECK(t.manufacturer == "SoftHSM project");
      CHECK(t.model == "SoftHSM v2");
      CHECK(t.serial.size() == 16);
      CHECK(t.flags.login_required);
      CHECK(t.flags.user_pin_initialized);
      CHECK_FALSE(t.flags.pin_locked);
      CHECK_FALSE(t.flags.write_protected);
      CHECK(t.min_pin_len == 4);
      CHECK(t.max_pin_len >= 8);
      CHECK((t.raw_flags & CKF_TOKEN_INITIALIZED) != 0);
    }
    std::sort(labels.begin(), labels.end());
    CHECK(labels == std::vector<std::string>{"alpha", "beta"});
  }

  SECTION("mechanisms") {
    const auto mechs = m->mechanisms(m->slots(true).front());
    CHECK(std::find(mechs.begin(), mechs.end(), CKM_SHA256_RSA_PKCS) != mechs.end());
  }

  SECTION("SoftHSM never has a slot event to report") {
    // It answers the non-blocking form with CKR_NO_EVENT (only the blocking form is
    // unsupported), so callers must poll slots() as well.
    CHECK_FALSE(m->poll_slot_event().has_value());
  }

  SECTION("unknown slot") {
    CHECK_FALSE(m->token_present(0x7777));
    try {
      m->token(0x7777);
      FAIL("token() did not throw");
    } catch (const sealbridge::error& e) {
      CHECK(e.code() == errc::token_removed);
      CHECK(e.detail() == "C_GetTokenInfo: CKR_SLOT_ID_INVALID");
    }
  }
}
