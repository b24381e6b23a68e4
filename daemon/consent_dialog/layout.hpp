#pragma once

// Geometry and timing of the consent window that its tests rely on: the Approve button sits in
// the bottom-right corner, `window_border` from both edges, with this size.
namespace sealbridge::consent_dialog {

inline constexpr int window_border = 18;
inline constexpr int button_width = 120;
inline constexpr int button_height = 40;
inline constexpr int button_spacing = 12;  // between Deny (left) and Approve (right)
inline constexpr int default_window_width = 560;
// Approve stays insensitive this long after the window appears, so an Enter or a click meant
// for the page (the dialog pops up under the user's hands) does not approve by accident.
inline constexpr int arming_delay_ms = 600;
// Window titles start with this, in every locale.
inline constexpr const char* window_title_prefix = "SealBridge";

// Exit codes; 0 after an answer line.
inline constexpr int exit_bad_request = 2;
inline constexpr int exit_no_display = 3;

}  // namespace sealbridge::consent_dialog
