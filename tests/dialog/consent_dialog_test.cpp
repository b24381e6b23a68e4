// The real sealbridge-consent program, driven by the real broker, on a private Xvfb display
// with real (XTEST) keyboard and mouse input from xdotool. Skips (exit 77) only when Xvfb or
// xdotool is missing; scripts/install-deps.sh installs both, so CI runs it.
#define CATCH_CONFIG_RUNNER
#include <signal.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <thread>

#include "consent_dialog/layout.hpp"
#include "consent_outcome.hpp"
#include "seal/decode.hpp"
#include "service/consent.hpp"
#include "x_session.hpp"

using namespace sealbridge;
using namespace sealbridge::testing;
using namespace std::chrono_literals;
namespace layout = sealbridge::consent_dialog;

namespace {

// Enough for a GTK program to start on a loaded two-core machine.
constexpr auto window_limit = 20s;
constexpr auto answer_limit = 10s;
// Past the dialog's arming delay, so Enter and clicks count.
constexpr auto armed = std::chrono::milliseconds(layout::arming_delay_ms + 400);
// Lets the dialog process its map event (focus) before keys arrive.
constexpr auto settle = 300ms;

bytes seal_picture() {
  std::ifstream in(SEALBRIDGE_SAMPLES_DIR "/ofdrw_UserV4.esl", std::ios::binary);
  const bytes der((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto seal = seal::decode_seal(der);
  return seal.pic.data;
}

service::consent_request request(std::size_t pin_min = 6) {
  service::consent_request r;
  r.origin = "https://portal.example.cn:8443";
  r.title_zh = "签署文件";
  r.title_en = "Sign document";
  r.signer = "CN=张三,O=示例公司,C=CN";
  r.items = {{"合同.pdf", "1-3", std::string(64, 'c'), ""}};
  r.pin_min = pin_min;
  r.pin_max = 16;
  return r;
}

std::unique_ptr<service::dialog_process_prompter> prompter(std::chrono::seconds timeout = 60s,
                                                           std::size_t max_waiting = 8) {
  return std::make_unique<service::dialog_process_prompter>(
      service::dialog_process_prompter::options{SEALBRIDGE_CONSENT_PROGRAM, timeout, max_waiting});
}

std::string pin_of(const std::optional<consent_outcome>& o) {
  REQUIRE(approved(o));
  return std::string(std::get<service::consent_answer>(*o).pin.reveal());
}

bool process_gone(pid_t pid) {
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

// The broker reaps a dialog right after its answer arrives; give it a moment.
bool wait_until_gone(pid_t pid, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!process_gone(pid)) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

// A consent window that does not belong to `previous` (X may take a moment to drop the windows
// of a dialog that just exited, and it reuses window ids).
std::optional<std::pair<std::string, pid_t>> wait_for_window_not_of(
    std::optional<pid_t> previous, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  do {
    for (const auto& id : consent_windows()) {
      const auto pid = window_pid(id);
      if (pid && pid != previous) return std::pair{id, *pid};
    }
    std::this_thread::sleep_for(50ms);
  } while (std::chrono::steady_clock::now() < until);
  return {};
}

struct button_centres {
  int approve_x, deny_x, y;
};
button_centres buttons_of(const std::string& window) {
  const auto g = geometry(window);
  REQUIRE(g);
  const int right = g->x + g->width - layout::window_border;
  const int approve_x = right - layout::button_width / 2;
  const int deny_x =
      right - layout::button_width - layout::button_spacing - layout::button_width / 2;
  return {approve_x, deny_x, g->y + g->height - layout::window_border - layout::button_height / 2};
}

}  // namespace

TEST_CASE("dialog.consent: typing the PIN and Enter approves with that PIN (screenshot kept)") {
  auto p = prompter();
  consent_result result;
  auto r = request();
  r.origin = "https://网上办事.gov.cn:8443";
  r.signer = "CN=张三,OU=办公室,O=某某市人民政府,L=杭州,ST=浙江,C=CN";
  r.items = {{"关于2026年度预算安排的通知（定稿）.pdf", "1-3, 5",
              std::string("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),
              "印章：某某市人民政府电子公章"}};
  r.picture_png = seal_picture();
  r.tries_left = 3;
  p->ask(std::move(r), result.callback());

  const auto window = wait_for_consent_window(window_limit);
  REQUIRE(window);
  std::this_thread::sleep_for(settle);
  type_text("123456");
  std::this_thread::sleep_for(armed);
  const std::string shot = SEALBRIDGE_ARTIFACT_DIR "/consent.png";
  CHECK(run("import -window root '" + shot + "'"));
  press("Return");
  CHECK(pin_of(result.wait(answer_limit)) == "123456");
  CHECK(wait_until_no_consent_window(5s));
}

TEST_CASE("dialog.consent: Escape denies") {
  auto p = prompter();
  consent_result result;
  p->ask(request(), result.callback());
  REQUIRE(wait_for_consent_window(window_limit));
  std::this_thread::sleep_for(settle);
  type_text("123456");
  press("Escape");
  const auto outcome = result.wait(answer_limit);
  CHECK(error_code(outcome) == errc::cancelled);
  CHECK(error_detail(outcome).find("denied") != std::string::npos);
}

TEST_CASE("dialog.consent: Tab then space on Deny denies; mouse clicks on Deny and Approve work") {
  auto p = prompter();
  {
    consent_result result;
    p->ask(request(), result.callback());
    REQUIRE(wait_for_consent_window(window_limit));
    std::this_thread::sleep_for(settle);
    type_text("123456");
    std::this_thread::sleep_for(armed);
    press("Tab space");  // PIN -> Deny: the Tab chain skips the selectable labels
    const auto outcome = result.wait(answer_limit);
    CHECK(error_code(outcome) == errc::cancelled);
    CHECK(error_detail(outcome).find("denied") != std::string::npos);
  }
  {
    consent_result result;
    p->ask(request(), result.callback());
    const auto window = wait_for_consent_window(window_limit);
    REQUIRE(window);
    std::this_thread::sleep_for(armed);
    const auto at = buttons_of(*window);
    click_at(at.deny_x, at.y);
    const auto outcome = result.wait(answer_limit);
    CHECK(error_code(outcome) == errc::cancelled);
    CHECK(error_detail(outcome).find("denied") != std::string::npos);
  }
  {
    consent_result result;
    p->ask(request(), result.callback());
    const auto window = wait_for_consent_window(window_limit);
    REQUIRE(window);
    std::this_thread::sleep_for(settle);
    type_text("654321");
    std::this_thread::sleep_for(armed);
    const auto at = buttons_of(*window);
    click_at(at.approve_x, at.y);
    CHECK(pin_of(result.wait(answer_limit)) == "654321");
  }
}

TEST_CASE(
    "dialog.consent: three requests at once get one window at a time, in order; BUSY beyond") {
  auto p = prompter(60s, 2);
  consent_result results[4];
  for (int i = 0; i < 4; ++i) p->ask(request(), results[i].callback());
  CHECK(error_code(results[3].wait(5s)) == errc::busy);

  std::optional<pid_t> previous;
  for (int i = 0; i < 3; ++i) {
    INFO("request " << i);
    // X reuses window ids, so tell the dialogs apart by process: a new one, the old one gone.
    const auto window = wait_for_window_not_of(previous, window_limit);
    REQUIRE(window);
    const auto pid = window->second;
    if (previous) CHECK(process_gone(*previous));
    // Give X a moment to drop the old dialog's window, then watch for a while: a second window
    // would show up here if dialogs stacked.
    std::this_thread::sleep_for(300ms);
    for (int look = 0; look < 5; ++look) {
      CHECK(consent_windows().size() == 1);
      std::this_thread::sleep_for(100ms);
    }
    for (int later = i + 1; later < 3; ++later) CHECK(results[later].calls() == 0);
    const std::string pin = "11111" + std::to_string(i);
    type_text(pin);
    std::this_thread::sleep_for(armed);
    press("Return");
    CHECK(pin_of(results[i].wait(answer_limit)) == pin);
    // The next request's window may already be up here, so wait for this dialog's process
    // rather than for an empty screen.
    CHECK(wait_until_gone(pid, 5s));
    previous = pid;
  }
  CHECK(wait_until_no_consent_window(5s));
}

TEST_CASE("dialog.consent: an unanswered dialog closes at the timeout; a frozen one is killed") {
  {
    auto p = prompter(2s);
    consent_result result;
    p->ask(request(), result.callback());
    const auto window = wait_for_consent_window(window_limit);
    REQUIRE(window);
    const auto pid = window_pid(*window);
    REQUIRE(pid);
    const auto outcome = result.wait(15s);
    CHECK(error_code(outcome) == errc::cancelled);
    CHECK(error_detail(outcome).find("timeout") != std::string::npos);
    CHECK(process_gone(*pid));
    CHECK(wait_until_no_consent_window(5s));
  }
  {
    auto p = prompter(2s);
    consent_result result;
    p->ask(request(), result.callback());
    const auto window = wait_for_consent_window(window_limit);
    REQUIRE(window);
    const auto pid = window_pid(*window);
    REQUIRE(pid);
    ::kill(*pid, SIGSTOP);  // a hung dialog: it can neither answer nor close itself
    const auto outcome = result.wait(15s);
    CHECK(error_code(outcome) == errc::cancelled);
    CHECK(error_detail(outcome).find("timed out") != std::string::npos);
    CHECK(process_gone(*pid));
    CHECK(wait_until_no_consent_window(5s));
  }
}

TEST_CASE("dialog.consent: a PIN shorter than min_len is not approved by Enter") {
  auto p = prompter();
  consent_result result;
  p->ask(request(6), result.callback());
  const auto window = wait_for_consent_window(window_limit);
  REQUIRE(window);
  std::this_thread::sleep_for(settle);
  type_text("123");
  std::this_thread::sleep_for(armed);
  press("Return");
  CHECK_FALSE(result.wait(1500ms));
  CHECK(consent_windows() == std::vector<std::string>{*window});
  // A click on the (insensitive) Approve does nothing either.
  const auto at = buttons_of(*window);
  click_at(at.approve_x, at.y);
  CHECK_FALSE(result.wait(1000ms));
  // The field still has the keyboard (the click hit an insensitive button).
  type_text("456");
  press("Return");
  CHECK(pin_of(result.wait(answer_limit)) == "123456");
}

TEST_CASE("dialog.consent: a protected-path key gets no PIN field; early Enter does not count") {
  auto p = prompter();
  consent_result result;
  auto r = request();
  r.want_pin = false;
  r.locale = "en";
  p->ask(std::move(r), result.callback());
  REQUIRE(wait_for_consent_window(window_limit));
  // Inside the arming delay: an Enter meant for the page must not approve.
  press("Return");
  CHECK_FALSE(result.wait(armed));
  type_text("1234");  // nowhere to go: no PIN field
  press("Return");
  const auto outcome = result.wait(answer_limit);
  REQUIRE(approved(outcome));
  CHECK(std::get<service::consent_answer>(*outcome).pin.empty());
}

int main(int argc, char* argv[]) {
  for (const char* tool : {"Xvfb", "xdotool"}) {
    if (!on_path(tool)) {
      std::cerr << "dialog.consent: " << tool
                << " not found, skipping (scripts/install-deps.sh installs it)\n";
      return 77;
    }
  }
  std::unique_ptr<xvfb> display;
  try {
    display = std::make_unique<xvfb>();
  } catch (const std::exception& e) {
    std::cerr << "dialog.consent: " << e.what() << "\n";
    return 1;
  }
  ::setenv("DISPLAY", display->display().c_str(), 1);
  ::unsetenv("WAYLAND_DISPLAY");  // the dialog must land on our Xvfb, not the user's session
  return Catch::Session().run(argc, argv);
}
