#include "service/token_registry.hpp"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <mutex>
#include <thread>

#include "../pkcs11/softhsm_fixture.hpp"
#include "core/error.hpp"
#include "service/certificates.hpp"

using namespace sealbridge;
using namespace std::chrono_literals;

namespace {

struct event_log {
  std::mutex mutex;
  std::vector<std::pair<service::token_event, std::string>> events;
  void add(service::token_event kind, const service::token_record& t) {
    std::lock_guard lock(mutex);
    events.emplace_back(kind, t.id);
  }
  std::size_t mark() {
    std::lock_guard lock(mutex);
    return events.size();
  }
  // Waits for an event recorded after `since` (a mark()).
  bool wait_for(service::token_event kind, const std::string& id, std::size_t since) {
    for (int i = 0; i < 100; ++i) {  // bounded: 5 s
      {
        std::lock_guard lock(mutex);
        for (std::size_t n = since; n < events.size(); ++n) {
          if (events[n].first == kind && events[n].second == id) return true;
        }
      }
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }
};

service::module_config module_at(const char* path, const char* name) {
  service::module_config m;
  m.path = path;
  m.name = name;
  return m;
}

void set_hidden(const std::filesystem::path& control, const std::string& serial) {
  std::ofstream(control / "hidden", std::ios::trunc) << serial << "\n";
}

}  // namespace

TEST_CASE("token ids are stable and depend on driver file name, manufacturer and serial") {
  auto a = service::make_token_id("/usr/lib/x/libukey.so", "Vendor", "0001");
  CHECK(a.size() == 16);
  CHECK(a == service::make_token_id("/opt/elsewhere/libukey.so", "Vendor", "0001"));
  CHECK(a != service::make_token_id("/usr/lib/x/libukey.so", "Vendor", "0002"));
  CHECK(a != service::make_token_id("/usr/lib/x/libother.so", "Vendor", "0001"));
}

TEST_CASE(
    "the registry finds keys, reads certificates on the key's worker and follows re-plugging") {
  test::softhsm_fixture hsm;
  hsm.init_token("Registry Key");
  hsm.import_credential("Registry Key", "sign", "01");
  auto control = hsm.dir() / "control";
  std::filesystem::create_directories(control);
  ::setenv("SEALBRIDGE_TESTMODULE_CONTROL", control.c_str(), 1);

  event_log log;
  service::token_registry registry(
      {module_at(SBTEST_MODULE_PATH, "test driver"), module_at("/nonexistent/libmissing.so", "")},
      100ms);
  registry.start([&log](service::token_event k, const service::token_record& t) { log.add(k, t); });

  auto modules = registry.modules();
  REQUIRE(modules.size() == 2);
  CHECK(modules[0].library);
  CHECK(modules[1].load_error);
  CHECK(modules[1].load_error->code() == errc::module_load_failed);
  CHECK(modules[1].config.name == "libmissing.so");

  auto tokens = registry.tokens();
  REQUIRE(tokens.size() == 1);  // SoftHSM's blank spare slot is not a key
  auto key = tokens[0];
  CHECK(key.info.label == "Registry Key");
  CHECK(key.module.name == "test driver");

  auto certs =
      registry.run(key.id, [](service::token_access& a) { return service::read_certificates(a); });
  REQUIRE(certs.size() == 1);
  CHECK(certs[0].private_key == service::key_presence::present);  // its public key is there
  CHECK(certs[0].label == "sign");

  CHECK_THROWS_WITH(registry.run("0000000000000000", [](service::token_access&) {}),
                    Catch::Contains("TOKEN_NOT_FOUND"));

  auto before_unplug = log.mark();
  set_hidden(control, key.info.serial);
  CHECK(log.wait_for(service::token_event::removed, key.id, before_unplug));
  CHECK(registry.tokens().empty());
  try {
    registry.run(key.id, [](service::token_access& a) { return service::read_certificates(a); });
    FAIL("a removed key must not answer");
  } catch (const error& e) {
    CHECK(e.code() == errc::token_removed);
  }

  auto before_plug = log.mark();
  set_hidden(control, "");
  CHECK(log.wait_for(service::token_event::inserted, key.id, before_plug));
  REQUIRE(registry.tokens().size() == 1);
  CHECK(registry.tokens()[0].id == key.id);
  CHECK(registry.run(key.id, [](service::token_access& a) { return service::read_certificates(a); })
            .size() == 1);
  registry.stop();
  ::unsetenv("SEALBRIDGE_TESTMODULE_CONTROL");
}

TEST_CASE("a key whose driver is busy for a moment is not reported removed") {
  test::softhsm_fixture hsm;
  hsm.init_token("Busy Key");
  auto control = hsm.dir() / "control";
  std::filesystem::create_directories(control);
  ::setenv("SEALBRIDGE_TESTMODULE_CONTROL", control.c_str(), 1);

  event_log log;
  service::token_registry registry({module_at(SBTEST_MODULE_PATH, "test driver")}, 50ms);
  registry.start([&log](service::token_event k, const service::token_record& t) { log.add(k, t); });
  REQUIRE(registry.tokens().size() == 1);
  const auto key = registry.tokens()[0];

  // Real drivers answer CKR_DEVICE_ERROR while another thread talks to the key. The slot
  // still lists the token; one unreadable C_GetTokenInfo must not unplug it.
  const auto start = log.mark();
  for (const char* rv : {"CKR_DEVICE_ERROR", "CKR_FUNCTION_FAILED", "CKR_GENERAL_ERROR"}) {
    std::ofstream(control / "fail") << "C_GetTokenInfo " << rv << "\n";
    for (int i = 0; i < 100 && std::filesystem::exists(control / "fail"); ++i)
      std::this_thread::sleep_for(20ms);
    CHECK_FALSE(std::filesystem::exists(control / "fail"));  // the scan met the failure
  }
  std::this_thread::sleep_for(200ms);  // a few more scans, all good again
  CHECK(log.mark() == start);
  REQUIRE(registry.tokens().size() == 1);
  CHECK(registry.tokens()[0].id == key.id);
  CHECK_NOTHROW(registry.run(key.id, [](service::token_access&) {}));

  // A key really pulled out is still noticed.
  set_hidden(control, key.info.serial);
  CHECK(log.wait_for(service::token_event::removed, key.id, start));
  registry.stop();
  ::unsetenv("SEALBRIDGE_TESTMODULE_CONTROL");
}
