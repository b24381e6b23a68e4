#pragma once

#include <string>

namespace sealbridge::tray {

// Every word the tray shows, in the user's language: Chinese unless the locale is English.
struct texts {
  const char* seal_tool;
  const char* renew_online;
  const char* check_update;
  const char* environment_check;
  const char* about;
  const char* quit;
  const char* state_offline;
  const char* state_no_key;
  const char* state_key_present;
  const char* state_expiring;
  const char* state_update;
  const char* update_available;  // followed by the new version
  const char* up_to_date;
  const char* update_failed;
  const char* update_not_supported;
  const char* no_renewal_url;
  const char* daemon_unreachable;
  const char* about_text;  // followed by the version
  const char* browser_failed;
};

// Linux: LC_ALL, then LC_MESSAGES, then LANG, as the C library orders them, "en..." is English.
// Windows: the user's UI language; anything but Chinese is English.
bool english_locale();
const texts& texts_for(bool english);

}  // namespace sealbridge::tray
