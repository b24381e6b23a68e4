#include "service/consent.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "../../dialog/consent_outcome.hpp"
#include "core/error.hpp"
#include "service/consent_protocol.hpp"

using namespace sealbridge;
using namespace std::chrono_literals;
using sealbridge::testing::approved;
using sealbridge::testing::consent_result;
using sealbridge::testing::error_code;
using sealbridge::testing::error_detail;
namespace fs = std::filesystem;

namespace {

// Stand-ins for the dialog program: shell scripts that answer the way a real dialog, a broken
// one or a hung one would, in a directory of their own.
class script_dir {
 public:
  script_dir() {
    char pattern[] = "/tmp/sb-consent-test-XXXXXX";
    REQUIRE(::mkdtemp(pattern) != nullptr);
    path_ = pattern;
  }
  ~script_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  fs::path script(const std::string& name, const std::string& body) {
    const fs::path file = path_ / name;
    std::ofstream(file) << "#!/bin/sh\n" << body << "\n";
    fs::permissions(file, fs::perms::owner_all);
    return file;
  }
  fs::path file(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

std::string slurp(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool process_gone(pid_t pid) {
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

service::consent_request sample_request() {
  service::consent_request r;
  r.origin = "https://portal.example.cn";
  r.title_zh = "签署文件";
  r.title_en = "Sign document";
  r.signer = "CN=张三,O=示例公司,C=CN";
  r.items = {{"合同.pdf", "1-3", std::string(64, 'a'), "印章"}};
  r.pin_min = 4;
  r.pin_max = 16;
  return r;
}

service::dialog_process_prompter::options with(const fs::path& program,
                                               std::chrono::seconds timeout = 10s,
                                               std::size_t max_waiting = 8) {
  return {program, timeout, max_waiting};
}

struct display_set {
  display_set() { ::setenv("DISPLAY", ":sealbridge-test", 0); }
};

}  // namespace

TEST_CASE("consent: an approving dialog's PIN arrives, escapes decoded, on the broker thread") {
  display_set display;
  script_dir dir;
  const auto program = dir.script(
      "approve.sh", R"(cat >/dev/null; printf '%s\n' '{"approved":true,"pin":"12\"3\\4\u00e9"}')");
  consent_result result;
  {
    service::dialog_process_prompter prompter(with(program));
    prompter.ask(sample_request(), result.callback());
    const auto outcome = result.wait(10s);
    REQUIRE(approved(outcome));
    CHECK(std::get<service::consent_answer>(*outcome).pin.reveal() == "12\"3\\4\xc3\xa9");
    CHECK(result.caller() != std::this_thread::get_id());
  }
  CHECK(result.calls() == 1);
}

TEST_CASE("consent: the program receives the request as one JSON object") {
  display_set display;
  script_dir dir;
  const auto seen = dir.file("request.json");
  const auto program =
      dir.script("record.sh", "cat > '" + seen.string() +
                                  "'; echo '{\"approved\":false,\"reason\":\"denied\"}'");
  auto request = sample_request();
  request.picture_png = {0x89, 'P', 'N', 'G', 1, 2, 3};
  request.tries_left = 2;
  request.final_try = false;
  for (int i = 0; i < 60; ++i) request.items.push_back({"doc" + std::to_string(i), "", "", ""});
  request.signer = "CN=bad\xff utf8";
  consent_result result;
  service::dialog_process_prompter prompter(with(program, 42s));
  prompter.ask(std::move(request), result.callback());
  const auto outcome = result.wait(10s);
  CHECK(error_code(outcome) == errc::cancelled);
  CHECK(error_detail(outcome).find("denied") != std::string::npos);

  const auto sent = nlohmann::json::parse(slurp(seen));
  CHECK(sent["origin"] == "https://portal.example.cn");
  CHECK(sent["title"] == "签署文件");
  CHECK(sent["title_en"] == "Sign document");
  CHECK(sent["signer"] == "CN=bad\xef\xbf\xbd utf8");  // replaced, not passed through
  CHECK(sent["items"].size() == service::consent_items_shown);
  CHECK(sent["items"][0]["name"] == "合同.pdf");
  CHECK(sent["items"][0]["pages"] == "1-3");
  CHECK(sent["items"][0]["sha256"] == std::string(64, 'a'));
  CHECK_FALSE(sent["items"][1].contains("pages"));
  CHECK(sent["item_count"] == 61);
  CHECK(sent["picture_png"] == to_base64(bytes{0x89, 'P', 'N', 'G', 1, 2, 3}));
  CHECK(sent["pin"]["wanted"] == true);
  CHECK(sent["pin"]["min_len"] == 4);
  CHECK(sent["pin"]["max_len"] == 16);
  CHECK(sent["pin"]["tries_left"] == 2);
  CHECK(sent["pin"]["final_try"] == false);
  CHECK(sent["locale"] == "zh");
  CHECK(sent["timeout_seconds"] == 42);
}

TEST_CASE("consent: garbage, crashes, silence and bad PINs are CANCELLED with a reason") {
  display_set display;
  script_dir dir;
  struct probe {
    const char* name;
    const char* body;
    const char* detail;
  };
  const probe probes[] = {
      {"garbage", "cat >/dev/null; echo hello", "unreadable"},
      {"trailing", R"(cat >/dev/null; echo '{"approved":true,"pin":"1234"} x')", "trailing"},
      {"crash", "cat >/dev/null; kill -SEGV $$", "signal 11"},
      {"exit1", "cat >/dev/null; exit 1", "status 1"},
      {"silent", "cat >/dev/null", "no answer"},
      {"approve_then_fail", R"(cat >/dev/null; echo '{"approved":true,"pin":"1234"}'; exit 5)",
       "status 5"},
      {"short_pin", R"(cat >/dev/null; echo '{"approved":true,"pin":"12"}')", "wrong length"},
      {"long_answer", "cat >/dev/null; head -c 100000 /dev/zero | tr '\\0' a", "too long"},
      {"closed", R"(cat >/dev/null; echo '{"approved":false,"reason":"closed"}')", "closed"},
  };
  for (const auto& p : probes) {
    INFO(p.name);
    consent_result result;
    service::dialog_process_prompter prompter(with(dir.script(p.name, p.body)));
    prompter.ask(sample_request(), result.callback());
    const auto outcome = result.wait(10s);
    CHECK(error_code(outcome) == errc::cancelled);
    CHECK(error_detail(outcome).find(p.detail) != std::string::npos);
  }
}

TEST_CASE("consent: a PIN offered for a protected-path key is refused; none wanted, none given") {
  display_set display;
  script_dir dir;
  auto request = sample_request();
  request.want_pin = false;
  {
    consent_result result;
    service::dialog_process_prompter prompter(
        with(dir.script("pin.sh", R"(cat >/dev/null; echo '{"approved":true,"pin":"1234"}')")));
    prompter.ask(request, result.callback());
    CHECK(error_code(result.wait(10s)) == errc::cancelled);
  }
  consent_result result;
  service::dialog_process_prompter prompter(
      with(dir.script("nopin.sh", R"(cat >/dev/null; echo '{"approved":true,"pin":""}')")));
  prompter.ask(request, result.callback());
  const auto outcome = result.wait(10s);
  REQUIRE(approved(outcome));
  CHECK(std::get<service::consent_answer>(*outcome).pin.empty());
}

TEST_CASE("consent: no program or no display is NOT_SUPPORTED") {
  script_dir dir;
  {
    display_set display;
    consent_result result;
    service::dialog_process_prompter prompter(with(dir.file("missing")));
    prompter.ask(sample_request(), result.callback());
    CHECK(error_code(result.wait(10s)) == errc::not_supported);
  }
  {
    display_set display;
    consent_result result;
    service::dialog_process_prompter prompter(with(
        dir.script("nodisplay.sh",
                   R"(cat >/dev/null; echo '{"approved":false,"reason":"no_display"}'; exit 3)")));
    prompter.ask(sample_request(), result.callback());
    CHECK(error_code(result.wait(10s)) == errc::not_supported);
  }
  const std::string saved_display = std::getenv("DISPLAY") ? std::getenv("DISPLAY") : "";
  const char* saved_wayland = std::getenv("WAYLAND_DISPLAY");
  const std::string wayland = saved_wayland ? saved_wayland : "";
  ::unsetenv("DISPLAY");
  ::unsetenv("WAYLAND_DISPLAY");
  const auto started = dir.file("started");
  {
    consent_result result;
    service::dialog_process_prompter prompter(
        with(dir.script("touch.sh", "touch '" + started.string() + "'")));
    prompter.ask(sample_request(), result.callback());
    CHECK(error_code(result.wait(10s)) == errc::not_supported);
  }
  CHECK_FALSE(fs::exists(started));
  if (!saved_display.empty()) ::setenv("DISPLAY", saved_display.c_str(), 1);
  if (saved_wayland) ::setenv("WAYLAND_DISPLAY", wayland.c_str(), 1);
}

TEST_CASE("consent: a hung dialog is killed at the timeout, with what it started, and reaped") {
  display_set display;
  script_dir dir;
  const auto pids = dir.file("pids");
  const auto program = dir.script(
      "hang.sh", "sleep 600 & echo $$ $! > '" + pids.string() + "'; cat >/dev/null; wait");
  consent_result result;
  service::dialog_process_prompter prompter(with(program, 1s));
  const auto start = std::chrono::steady_clock::now();
  prompter.ask(sample_request(), result.callback());
  const auto outcome = result.wait(15s);
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(error_code(outcome) == errc::cancelled);
  CHECK(error_detail(outcome).find("timed out") != std::string::npos);
  CHECK(took >= 1s);
  CHECK(took < 6s);
  pid_t shell = 0, sleeper = 0;
  std::istringstream(slurp(pids)) >> shell >> sleeper;
  REQUIRE(shell > 0);
  REQUIRE(sleeper > 0);
  CHECK(process_gone(shell));  // killed and reaped: not even a zombie
  // The sleeper was our grandchild: init reaps it, so allow it a moment.
  for (int i = 0; i < 100 && !process_gone(sleeper); ++i) std::this_thread::sleep_for(20ms);
  CHECK(process_gone(sleeper));
}

TEST_CASE("consent: one dialog at a time, FIFO, BUSY beyond max_waiting") {
  display_set display;
  script_dir dir;
  const auto log = dir.file("log");
  // Each run logs its start and end and answers with the PIN it was given in its origin.
  const auto program = dir.script(
      "slow.sh",
      "req=$(cat); n=$(printf '%s' \"$req\" | sed 's/.*\"origin\":\"o\\([0-9]\\)\".*/\\1/');"
      " echo start $n >> '" +
          log.string() + "'; sleep 0.3; echo end $n >> '" + log.string() +
          "'; printf '{\"approved\":true,\"pin\":\"pin-%s\"}\\n' $n");
  consent_result results[4];
  service::dialog_process_prompter prompter(with(program, 10s, 2));
  for (int i = 0; i < 4; ++i) {
    auto request = sample_request();
    request.origin = "o" + std::to_string(i);
    prompter.ask(std::move(request), results[i].callback());
  }
  // The fourth is refused at once, while the first is still open.
  const auto busy = results[3].wait(5s);
  CHECK(error_code(busy) == errc::busy);
  CHECK(results[0].calls() == 0);
  for (int i = 0; i < 3; ++i) {
    const auto outcome = results[i].wait(10s);
    REQUIRE(approved(outcome));
    CHECK(std::get<service::consent_answer>(*outcome).pin.reveal() == "pin-" + std::to_string(i));
  }
  CHECK(slurp(log) == "start 0\nend 0\nstart 1\nend 1\nstart 2\nend 2\n");
}

TEST_CASE("consent: destroying the prompter kills the open dialog and cancels the waiting ones") {
  display_set display;
  script_dir dir;
  const auto pids = dir.file("pid");
  const auto program = dir.script("wait.sh", "echo $$ > '" + pids.string() + "'; exec sleep 600");
  consent_result first, second;
  {
    service::dialog_process_prompter prompter(with(program, 600s));
    prompter.ask(sample_request(), first.callback());
    prompter.ask(sample_request(), second.callback());
    for (int i = 0; i < 250 && slurp(pids).empty(); ++i) std::this_thread::sleep_for(20ms);
  }
  CHECK(error_code(first.wait(1s)) == errc::cancelled);
  CHECK(error_code(second.wait(1s)) == errc::cancelled);
  CHECK(first.calls() == 1);
  CHECK(second.calls() == 1);
  pid_t pid = 0;
  std::istringstream(slurp(pids)) >> pid;
  REQUIRE(pid > 0);
  CHECK(process_gone(pid));
}

TEST_CASE("consent: a callback that throws does not stop the broker") {
  display_set display;
  script_dir dir;
  const auto program =
      dir.script("ok.sh", R"(cat >/dev/null; echo '{"approved":true,"pin":"1234"}')");
  service::dialog_process_prompter prompter(with(program));
  prompter.ask(sample_request(), [](auto) { throw std::runtime_error("caller bug"); });
  consent_result result;
  prompter.ask(sample_request(), result.callback());
  CHECK(approved(result.wait(10s)));
}

TEST_CASE("consent reply parser: exact answers only") {
  using service::parse_dialog_reply;
  auto reply =
      parse_dialog_reply(" {\"pin\" : \"a\\u4e2d\\ud83d\\ude00\\n\", \"approved\": true}\n");
  CHECK(reply.approved);
  CHECK(reply.pin.reveal() == "a\xe4\xb8\xad\xf0\x9f\x98\x80\n");
  reply = parse_dialog_reply(R"({"approved":false,"reason":"timeout","extra":null})");
  CHECK_FALSE(reply.approved);
  CHECK(reply.reason == "timeout");
  CHECK(reply.pin.empty());

  const char* bad[] = {
      "",
      "{}",
      "[]",
      R"({"approved":"yes"})",
      R"({"approved":true,"approved":false})",
      R"({"approved":true,"pin":"1","pin":"2"})",
      R"({"approved":false,"pin":"1234"})",
      R"({"approved":true,"pin":"\ud800"})",
      R"({"approved":true,"pin":"\udc00"})",
      R"({"approved":true,"pin":"\x"})",
      "{\"approved\":true,\"pin\":\"a\tb\"}",
      "{\"approved\":true,\"pin\":\"\xff\"}",
      "{\"approved\":true,\"pin\":\"\xc0\xaf\"}",
      R"({"approved":true,"pin":"12)",
      R"({"approved":true,"count":1})",
      R"({"approved":true}{"approved":true})",
      R"({"approved":true,})",
  };
  for (const char* text : bad) {
    INFO(text);
    try {
      parse_dialog_reply(text);
      FAIL("accepted");
    } catch (const error& e) {
      CHECK(e.code() == errc::cancelled);
    }
  }
  CHECK_THROWS_AS(parse_dialog_reply(std::string(service::consent_answer_max + 1, ' ')), error);
}

TEST_CASE("checklist 19: 100 sign requests at once are queued or refused, never stacked") {
  display_set display;
  script_dir dir;
  const auto log = dir.file("log");
  // Each dialog notes when it opens and closes; overlapping runs would interleave the lines.
  const auto program = dir.script("note.sh", "cat >/dev/null; echo open >> '" + log.string() +
                                                 "'; sleep 0.05; echo close >> '" + log.string() +
                                                 "'; echo '{\"approved\":false}'");
  constexpr int requests = 100;
  constexpr std::size_t max_waiting = 8;
  std::vector<consent_result> results(requests);
  service::dialog_process_prompter prompter(with(program, 10s, max_waiting));
  for (auto& r : results) prompter.ask(sample_request(), r.callback());

  int busy = 0, cancelled = 0;
  for (auto& r : results) {
    const auto code = error_code(r.wait(20s));
    REQUIRE(code);
    if (*code == errc::busy) ++busy;
    if (*code == errc::cancelled) ++cancelled;
    CHECK(r.calls() == 1);
  }
  // Depending on how the asks reach the broker's thread, the first may already be open when
  // the rest arrive, or not; either way at most 1 + max_waiting ever get a dialog.
  CHECK(cancelled >= 1);
  CHECK(cancelled <= static_cast<int>(1 + max_waiting));
  CHECK(busy + cancelled == requests);
  std::string expected;
  for (int i = 0; i < cancelled; ++i) expected += "open\nclose\n";
  CHECK(slurp(log) == expected);
}
