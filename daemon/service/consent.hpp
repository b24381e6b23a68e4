#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "core/secret.hpp"

namespace sealbridge::service {

// One thing the user is asked to sign, as the dialog shows it.
struct consent_item {
  std::string name;        // document name or label, UTF-8
  std::string pages;       // e.g. "1-3, 5"; empty when not a paged document
  std::string sha256_hex;  // digest of what is signed; empty when not known
  std::string detail;      // one more line, e.g. the seal's name
};

struct consent_request {
  std::string origin;  // as the gate checked it; the page cannot choose what is shown here
  std::string title_zh, title_en;
  std::string signer;  // certificate subject, UTF-8
  std::vector<consent_item> items;
  std::size_t item_count = 0;  // may exceed items.size() for a batch; 0 means items.size()
  bytes picture_png;           // the seal's picture; empty for none
  bool want_pin = true;        // false for a key with a protected authentication path
  std::size_t pin_min = 4, pin_max = 64;
  std::optional<int> tries_left;
  bool final_try = false;
  std::string locale = "zh";  // "zh" or "en": which language comes first
};

struct consent_answer {
  bool approved = false;
  sealbridge::secret pin;  // empty when the request did not want one
};

// Completion runs on the broker's own thread, exactly once. Errors: error(cancelled) when the
// user denies or closes the dialog, when it times out or crashes; error(busy) when the queue is
// full; error(not_supported) when there is no dialog program or no display.
using consent_callback = std::function<void(std::variant<consent_answer, sealbridge::error>)>;

// The seam between the signing service and the platform's native dialog (GTK program here,
// a Win32 one on Windows).
class consent_prompter {
 public:
  virtual ~consent_prompter() = default;
  virtual void ask(consent_request, consent_callback) = 0;
};

// Runs the sealbridge-consent program for each request, one at a time: a page that sends a
// hundred requests gets one dialog and a bounded queue, never a stack of windows the user
// would click through. The request travels as one JSON object on the program's stdin, the
// answer as one JSON line on its stdout (see daemon/consent_dialog/README.md).
class dialog_process_prompter : public consent_prompter {
 public:
  struct options {
    std::filesystem::path program;  // empty: sealbridge-consent next to the running executable
    std::chrono::seconds timeout{120};
    std::size_t max_waiting = 8;  // requests waiting behind the open dialog
  };

  explicit dialog_process_prompter(options);
  ~dialog_process_prompter() override;  // kills a running dialog, cancels waiting requests
  dialog_process_prompter(const dialog_process_prompter&) = delete;
  dialog_process_prompter& operator=(const dialog_process_prompter&) = delete;

  // Never blocks; the callback always runs on the broker thread, even for BUSY.
  void ask(consent_request, consent_callback) override;

 private:
  class broker;  // the thread and its poll loop, in consent.cpp
  std::unique_ptr<broker> broker_;
};

// Where the dialog program is looked for when options::program is empty.
std::filesystem::path default_consent_program();

}  // namespace sealbridge::service
