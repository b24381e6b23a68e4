#include "tests/testmodule/faults.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>

#include "tests/testmodule/control_file.hpp"
#include "tests/testmodule/rv_names.hpp"
#include "tests/testmodule/token_lookup.hpp"

namespace sealbridge::testmodule {
namespace {

// "C_CreateObject 2 after" split into words.
struct rule {
  std::string function;
  std::vector<std::string> args;
  unsigned long calls = 0;  // calls of `function` seen since the file (re)appeared
};

// One control file holding one rule. The count of matching calls restarts whenever the file
// changes, so a test can arm the same rule twice by rewriting it.
class rule_file {
 public:
  explicit rule_file(std::filesystem::path path) : path_(std::move(path)) {}

  rule* current() {
    const auto now = file_stamp::of(path_);
    if (now == stamp_) return rule_ ? &*rule_ : nullptr;
    stamp_ = now;
    rule_.reset();
    const auto text = now.exists ? read_text(path_) : std::nullopt;
    if (!text) return nullptr;
    std::istringstream words(*text);
    rule r;
    if (!(words >> r.function)) return nullptr;
    for (std::string w; words >> w;) r.args.push_back(std::move(w));
    rule_ = std::move(r);
    return &*rule_;
  }

  // A rule fires once: the file goes, so the test sees that it fired.
  void consume() {
    remove_quietly(path_);
    stamp_ = file_stamp::of(path_);
    rule_.reset();
  }

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  file_stamp stamp_;
  std::optional<rule> rule_;
};

// "FUNCTION [N] [before|after]"; nullopt for anything else, so a typo never fires.
struct nth_call {
  unsigned long n = 1;
  bool after = false;
};
std::optional<nth_call> parse_nth_call(const std::vector<std::string>& args) {
  nth_call out;
  for (const auto& a : args) {
    if (a == "after") {
      out.after = true;
    } else if (a == "before") {
      out.after = false;
    } else if (!a.empty() && a.find_first_not_of("0123456789") == std::string::npos &&
               a.size() < 10) {
      out.n = std::stoul(a);
    } else {
      return std::nullopt;
    }
  }
  if (out.n == 0) return std::nullopt;
  return out;
}

// Base for hooks that fire on the Nth call of a function named in their rule file.
class nth_call_hook : public call_hook {
 public:
  explicit nth_call_hook(std::filesystem::path file) : file_(std::move(file)) {}

 protected:
  // The rule if this call is the one it names; the rule file is consumed then.
  std::optional<nth_call> fires(const call_context& call) {
    std::lock_guard lock(mutex_);
    rule* r = file_.current();
    if (r == nullptr || r->function != call.function) return std::nullopt;
    const auto when = parse_nth_call(r->args);
    if (!when || ++r->calls != when->n) return std::nullopt;
    file_.consume();
    return when;
  }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::mutex mutex_;
  rule_file file_;
  std::filesystem::path dir_ = file_.path().parent_path();
};

// remove-after: the token is unplugged during the Nth call. "before": the call never reaches
// the token; "after": it did its work but the answer is lost, as on a real unplug mid-call.
class remove_after final : public nth_call_hook {
 public:
  remove_after(const std::filesystem::path& dir, CK_FUNCTION_LIST& api)
      : nth_call_hook(dir / "remove-after"), api_(api) {}

  CK_RV around(const call_context& call, const std::function<CK_RV()>& next) override {
    const auto when = fires(call);
    if (!when) return next();
    // Asked before forwarding: after C_CloseSession the session no longer names a token.
    const auto serial = serial_of_call(api_, call);
    if (when->after) next();
    if (serial) hide(*serial);
    return CKR_DEVICE_REMOVED;
  }

 private:
  void hide(const std::string& serial) {
    const auto file = dir() / "hidden";
    std::string text = read_text(file).value_or("");
    if (!text.empty() && text.back() != '\n') text += '\n';
    write_atomically(file, text + serial + "\n");
  }

  CK_FUNCTION_LIST& api_;
};

// pause-at: the Nth call waits (before or after forwarding) until the test creates `resume`,
// announcing itself with paused-<FUNCTION> holding the pid, so the test can kill -9 the
// process exactly there.
class pause_at final : public nth_call_hook {
 public:
  explicit pause_at(const std::filesystem::path& dir) : nth_call_hook(dir / "pause-at") {}

  CK_RV around(const call_context& call, const std::function<CK_RV()>& next) override {
    const auto when = fires(call);
    if (!when) return next();
    CK_RV rv = CKR_OK;
    if (when->after) rv = next();
    wait(call.function);
    if (!when->after) rv = next();
    return rv;
  }

 private:
  void wait(std::string_view function) const {
    using namespace std::chrono;
    const auto resume = dir() / "resume";
    const auto paused = dir() / ("paused-" + std::string(function));
    remove_quietly(resume);
    write_atomically(paused, std::to_string(::getpid()) + "\n");
    // Bounded, so a test that forgets to resume fails slowly instead of hanging forever.
    const auto deadline = steady_clock::now() + seconds(60);
    while (!std::filesystem::exists(resume)) {
      if (steady_clock::now() > deadline) {
        std::fprintf(stderr, "sbtest-pkcs11: pause-at %.*s: no resume after 60 s\n",
                     static_cast<int>(function.size()), function.data());
        break;
      }
      std::this_thread::sleep_for(milliseconds(10));
    }
    remove_quietly(resume);
    remove_quietly(paused);
  }
};

// fail: "FUNCTION CKR_NAME" -- the next call of FUNCTION answers that code, unforwarded.
class fail_once final : public call_hook {
 public:
  explicit fail_once(const std::filesystem::path& dir) : file_(dir / "fail") {}

  CK_RV around(const call_context& call, const std::function<CK_RV()>& next) override {
    std::unique_lock lock(mutex_);
    rule* r = file_.current();
    if (r == nullptr || r->function != call.function || r->args.size() != 1) {
      lock.unlock();
      return next();
    }
    const auto rv = rv_from_name(r->args.front());
    if (!rv) {
      lock.unlock();
      return next();
    }
    file_.consume();
    return *rv;
  }

 private:
  std::mutex mutex_;
  rule_file file_;
};

}  // namespace

std::vector<std::unique_ptr<call_hook>> make_hooks(const config& c, CK_FUNCTION_LIST& api) {
  std::vector<std::unique_ptr<call_hook>> hooks;
  if (c.control_dir.empty()) return hooks;
  // Outermost first: an injected failure answers before a pause would start.
  hooks.push_back(std::make_unique<fail_once>(c.control_dir));
  hooks.push_back(std::make_unique<remove_after>(c.control_dir, api));
  hooks.push_back(std::make_unique<pause_at>(c.control_dir));
  return hooks;
}

}  // namespace sealbridge::testmodule
