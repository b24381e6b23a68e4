#include "tray_state.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "texts.hpp"

using namespace sealbridge::tray;

TEST_CASE("tray state: the most urgent fact wins") {
  daemon_snapshot s;
  update_status none;
  CHECK(state_of(s, none) == tray_state::offline);
  s.reachable = true;
  CHECK(state_of(s, none) == tray_state::no_key);
  s.tokens = 1;
  CHECK(state_of(s, none) == tray_state::key_present);
  update_status newer{true, true, "0.2.0"};
  CHECK(state_of(s, newer) == tray_state::update_available);
  s.fewest_days_left = 31;
  CHECK(state_of(s, newer) == tray_state::update_available);
  s.fewest_days_left = 30;
  CHECK(state_of(s, newer) == tray_state::expiring);
  s.fewest_days_left = -3;  // expired counts too: it needs renewing even more
  CHECK(state_of(s, none) == tray_state::expiring);
  s.reachable = false;
  CHECK(state_of(s, newer) == tray_state::offline);
  CHECK(std::string(icon_name(tray_state::key_present)) == "sealbridge-tray-key");
}

TEST_CASE("tray state: every icon name has its file") {
  for (auto state : {tray_state::offline, tray_state::expiring, tray_state::update_available,
                     tray_state::no_key, tray_state::key_present}) {
    auto file = std::filesystem::path(SEALBRIDGE_SOURCE_DIR) / "daemon/tray/icons" /
                (std::string(icon_name(state)) + ".svg");
    INFO(file.string());
    CHECK(std::filesystem::is_regular_file(file));
  }
}

TEST_CASE("tray state: fewest days left over certificates and seals") {
  auto result = nlohmann::json::parse(
      R"({"certificates":[{"days_left":200},{"days_left":12},{"label":"no dates"},
          {"days_left":"7"}]})");
  CHECK(fewest_days_left(result, "certificates") == 12);
  CHECK_FALSE(fewest_days_left(result, "seals"));
  CHECK_FALSE(fewest_days_left(nlohmann::json::parse(R"({"certificates":{}})"), "certificates"));
  CHECK_FALSE(fewest_days_left(nlohmann::json::array(), "certificates"));
}

TEST_CASE("tray state: update.check results read leniently") {
  auto u = update_status_of(nlohmann::json::parse(R"({"available":true,"version":"0.3.1"})"));
  CHECK(u.known);
  CHECK(u.available);
  CHECK(u.version == "0.3.1");
  u = update_status_of(nlohmann::json::parse(R"({"update_available":false,"latest":"0.1.0"})"));
  CHECK(u.known);
  CHECK_FALSE(u.available);
  CHECK(u.version == "0.1.0");
  CHECK_FALSE(update_status_of(nlohmann::json::parse(R"({"available":"yes"})")).known);
  CHECK_FALSE(update_status_of(nlohmann::json()).known);
}

TEST_CASE("tray state: the port comes from the daemon's runtime file") {
  auto dir = std::filesystem::temp_directory_path() / "sbtray-port-test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  CHECK(daemon_port(dir) == 16116);
  std::ofstream(dir / "daemon.json") << R"({"pid":1,"port":40123,"addresses":["127.0.0.1"]})";
  CHECK(daemon_port(dir) == 40123);
  std::ofstream(dir / "daemon.json") << R"({"port":70000})";
  CHECK(daemon_port(dir) == 16116);
  std::ofstream(dir / "daemon.json") << "{half";
  CHECK(daemon_port(dir) == 16116);
  CHECK(daemon_port({}) == 16116);
  std::filesystem::remove_all(dir);
}

TEST_CASE("tray texts: Chinese unless the locale is English") {
  ::unsetenv("LC_ALL");
  ::unsetenv("LC_MESSAGES");
  ::setenv("LANG", "zh_CN.UTF-8", 1);
  CHECK_FALSE(english_locale());
  ::setenv("LANG", "C.UTF-8", 1);
  CHECK_FALSE(english_locale());
  ::setenv("LANG", "en_GB.UTF-8", 1);
  CHECK(english_locale());
  ::setenv("LC_ALL", "zh_CN.UTF-8", 1);  // LC_ALL overrides LANG
  CHECK_FALSE(english_locale());
  ::unsetenv("LC_ALL");
  CHECK(std::string(texts_for(false).seal_tool) == "印章工具");
  CHECK(std::string(texts_for(true).seal_tool) == "Seal tool");
}
