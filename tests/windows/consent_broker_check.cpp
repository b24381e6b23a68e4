// The Windows consent broker (daemon/service/consent_win.cpp) for real, under wine or on
// Windows, for scripts/test-windows.sh: asks one approval of the dialog program given on the
// command line and prints what the broker decided, one line:
//
//   consent-broker-check.exe DIALOG.exe TIMEOUT_SECONDS [nopin]
//     -> "approved pin=<pin>" | "error <CODE>: <detail>"
//
// DIALOG.exe "-" leaves the program to the broker: sealbridge-consent.exe beside this exe, as
// the daemon finds it beside sealbridged.exe.
//
// The same executable stands in for a broken dialog when its file name says so, so that the
// watchdog and the answer checks are exercised without a window:
//   fake-dialog-hang.exe      reads nothing, never answers (killed at the timeout)
//   fake-dialog-garbage.exe   answers a line that is not JSON
//   fake-dialog-flood.exe     answers 64 KiB (over the cap)
//   fake-dialog-crash.exe     exits 0xC0000005 without answering
//   fake-dialog-nodisplay.exe answers {"approved":false,"reason":"no_display"}, exits 3
//   fake-dialog-slow.exe      approves with PIN 123456 after 300 ms; "overlap" instead when
//                             another of its kind is running (a named mutex tells)
//
//   consent-broker-check.exe fake-dialog-slow.exe TIMEOUT queue
//     asks 6 approvals at once of a broker allowing 2 to wait -> "queue: approved=3 busy=3"
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <windows.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <variant>

#include "core/win32_text.hpp"
#include "service/consent.hpp"

using namespace sealbridge;

namespace {

void write_stdout(const std::string& text) {
  DWORD n = 0;
  WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), text.data(), static_cast<DWORD>(text.size()), &n,
            nullptr);
}

std::optional<int> act_as_fake_dialog() {
  wchar_t self[MAX_PATH];
  const DWORD n = GetModuleFileNameW(nullptr, self, MAX_PATH);
  const std::wstring name = std::wstring(self, n);
  const auto is = [&](const wchar_t* suffix) {
    const std::wstring tail = suffix;
    return name.size() >= tail.size() &&
           name.compare(name.size() - tail.size(), tail.size(), tail) == 0;
  };
  if (is(L"fake-dialog-hang.exe")) {
    Sleep(INFINITE);
    return 0;
  }
  if (is(L"fake-dialog-garbage.exe")) {
    write_stdout("this is not an answer\n");
    return 0;
  }
  if (is(L"fake-dialog-flood.exe")) {
    write_stdout(std::string(65536, 'x'));
    return 0;
  }
  if (is(L"fake-dialog-crash.exe")) return static_cast<int>(0xC0000005u);
  if (is(L"fake-dialog-slow.exe")) {
    HANDLE single = CreateMutexW(nullptr, FALSE, L"Local\\sealbridge-fake-dialog-slow");
    const bool overlap = GetLastError() == ERROR_ALREADY_EXISTS;
    char buffer[4096];
    DWORD got = 0;
    while (ReadFile(GetStdHandle(STD_INPUT_HANDLE), buffer, sizeof buffer, &got, nullptr) &&
           got > 0) {
    }
    Sleep(300);
    write_stdout(overlap ? "{\"approved\":false,\"reason\":\"overlap\"}\n"
                         : "{\"approved\":true,\"pin\":\"123456\"}\n");
    if (single) CloseHandle(single);
    return 0;
  }
  if (is(L"fake-dialog-nodisplay.exe")) {
    write_stdout("{\"approved\":false,\"reason\":\"no_display\"}\n");
    return 3;
  }
  return std::nullopt;
}

service::consent_request sample_request() {
  service::consent_request request;
  request.origin = "https://portal.example.cn:8443";
  request.items = {{"合同.pdf", "1-3", std::string(64, 'c'), ""}};
  request.pin_min = 6;
  request.pin_max = 16;
  return request;
}

// Six at once, two allowed to wait: one dialog runs, two wait, three are refused BUSY at once;
// the dialogs never overlap (the fake answers "overlap" when they do).
int ask_many(const std::string& program, int timeout_seconds) {
  constexpr int asked = 6;
  std::mutex mutex;
  std::condition_variable ready;
  int approved = 0, busy = 0, other = 0;
  {
    service::dialog_process_prompter prompter(
        {std::filesystem::path(wide_from_utf8(program)), std::chrono::seconds(timeout_seconds), 2});
    for (int i = 0; i < asked; ++i)
      prompter.ask(sample_request(),
                   [&](std::variant<service::consent_answer, sealbridge::error> outcome) {
                     std::lock_guard lock(mutex);
                     if (std::holds_alternative<service::consent_answer>(outcome))
                       ++approved;
                     else if (std::get<sealbridge::error>(outcome).code() == errc::busy)
                       ++busy;
                     else
                       ++other;
                     ready.notify_all();
                   });
    std::unique_lock lock(mutex);
    ready.wait(lock, [&] { return approved + busy + other == asked; });
  }
  write_stdout("queue: approved=" + std::to_string(approved) + " busy=" + std::to_string(busy) +
               " other=" + std::to_string(other) + "\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (const auto code = act_as_fake_dialog()) return *code;
  if (argc < 3) {
    write_stdout("usage: consent-broker-check DIALOG.exe TIMEOUT_SECONDS [nopin]\n");
    return 2;
  }
  // The broker's log lines go to stderr: stdout carries the one verdict line.
  spdlog::set_default_logger(spdlog::stderr_logger_st("consent-broker-check"));
  service::consent_request request;
  request.origin = "https://portal.example.cn:8443";
  request.title_zh = "签署文件";
  request.title_en = "Sign document";
  request.signer = "CN=张三,O=示例公司,C=CN";
  request.items = {{"合同.pdf", "1-3", std::string(64, 'c'), "印章：测试章"}};
  request.pin_min = 6;
  request.pin_max = 16;
  request.tries_left = 3;
  request.want_pin = !(argc > 3 && std::string(argv[3]) == "nopin");

  if (argc > 3 && std::string(argv[3]) == "queue") return ask_many(argv[1], std::atoi(argv[2]));

  std::mutex mutex;
  std::condition_variable ready;
  std::optional<std::string> verdict;
  DWORD caller_thread = 0;
  {
    const std::string program = argv[1];
    service::dialog_process_prompter prompter(
        {program == "-" ? std::filesystem::path() : std::filesystem::path(wide_from_utf8(program)),
         std::chrono::seconds(std::atoi(argv[2])), 8});
    prompter.ask(std::move(request),
                 [&](std::variant<service::consent_answer, sealbridge::error> outcome) {
                   std::string line;
                   if (auto* answer = std::get_if<service::consent_answer>(&outcome))
                     line = "approved pin=" + std::string(answer->pin.reveal());
                   else {
                     const auto& e = std::get<sealbridge::error>(outcome);
                     line = "error " + std::string(code_name(e.code())) + ": " + e.detail();
                   }
                   std::lock_guard lock(mutex);
                   caller_thread = GetCurrentThreadId();
                   verdict = line;
                   ready.notify_all();
                 });
    std::unique_lock lock(mutex);
    ready.wait(lock, [&] { return verdict.has_value(); });
  }
  // The promise of consent.hpp: completions run on the broker's thread, not the asker's.
  const bool own_thread = caller_thread != GetCurrentThreadId();
  write_stdout(*verdict + (own_thread ? "" : " (ON THE CALLER'S THREAD)") + "\n");
  return 0;
}
